"""The "By hand" card in a real browser against the real server: it appears for a shallow 1-D net of
at most 4 units and shrinks to its reason otherwise; a slider sets that weight on the server (REST
reads it back) and the drawn fit is the lecture's formula of the REST weights; the loss it shows is
the run's; a drag sends at most ~20 messages a second; the by_hand lesson opens with its card, and
from weights typed by hand Play lowers the loss.
"""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

from tests.e2e.pagetools import (
    api,
    open_playground,
    pause,
    run,
    run_id,
    set_field,
    snapshots,
    trace,
    wait_paused_at,
    wait_snapshot_after,
    wait_step_at_least,
)
from tests.live_server import ROOT

pytestmark = pytest.mark.e2e

SHALLOW = "#dataset=sine&n_points=60&hidden_units=3&depth=1&init=he&seed=4"
CARD = "#byhand-card"
FLOAT32 = 1e-6  # the server keeps float32 weights


def slider(page, key: str):
    return page.locator(f'{CARD} input[type="range"][data-weight="{key}"]')


def box(page, key: str):
    return page.locator(f'{CARD} input[type="number"][data-weight="{key}"]')


def weights(server, page) -> list[dict]:
    return api(server.url).get(f"/api/runs/{run_id(page)}/weights").json()["layers"]


def lecture_output(layers: list[dict], x: np.ndarray) -> np.ndarray:
    """y = phi_0 + sum_d phi_d ReLU[theta_d0 + theta_d1 x], written out from the REST weights."""
    theta_0 = np.asarray(layers[0]["bias"])  # (D,)
    theta_1 = np.asarray(layers[0]["weight"])[:, 0]  # (D,)
    phi_0, phi = layers[1]["bias"][0], np.asarray(layers[1]["weight"])[0]
    return phi_0 + np.maximum(0.0, theta_0 + theta_1 * x[:, None]) @ phi


def shown_loss(page) -> float:
    text = page.locator(f"{CARD} .byhand-loss").inner_text()
    assert text.startswith("loss "), text
    return float(text.removeprefix("loss ").replace("−", "-"))


def wait_until(condition, seconds: float = 15.0, what: str = "condition"):
    deadline = time.monotonic() + seconds
    while not (result := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not hold within {seconds} s")
        time.sleep(0.1)
    return result


def test_the_card_shows_for_a_1_3_1_net_and_hides_for_others(page, other_page, server):
    open_playground(page, server.url, SHALLOW)
    card = page.locator(CARD)
    assert card.get_attribute("data-off") == ""
    assert card.locator("h2").inner_text() == "By hand"
    assert card.locator('input[type="range"]').count() == 3 * 3 + 1  # θ_d0, θ_d1, φ_d; φ₀
    symbols = card.locator(".byhand-symbol").all_inner_texts()
    assert symbols[:3] == ["θ₁₀", "θ₁₁", "φ₁"] and "θ₃₁" in symbols and symbols[-1] == "φ₀"
    # each unit in its palette colour (palette.js UNIT_HUES: unit 1 #0072B2, unit 2 #D55E00)
    colours = [card.locator(".byhand-symbol", has_text=s).evaluate("e => getComputedStyle(e).color")
               for s in ("θ₁₀", "θ₂₀")]
    assert colours == ["rgb(0, 114, 178)", "rgb(213, 94, 0)"]
    assert slider(page, "theta_1_1").is_visible()

    count = snapshots(page)
    set_field(page, "hidden_units", 8)
    wait_snapshot_after(page, count)
    page.wait_for_selector(f'{CARD}[data-off="1"]')
    assert not slider(page, "theta_1_1").is_visible()
    assert "at most 4 hidden units; this net has 8" in card.locator(".byhand-reason").inner_text()

    open_playground(other_page, server.url, "#dataset=circle&hidden_units=3&depth=1")
    other_page.wait_for_selector(f'body[data-mode="2d"] {CARD}[data-off="1"]')
    reason = other_page.locator(f"{CARD} .byhand-reason")
    assert reason.is_visible() and "needs 1 input" in reason.inner_text()
    assert other_page.locator(f'{CARD} input[type="range"]').count() == 0


def test_a_slider_sets_its_weight_and_the_fit_is_the_formula_of_the_weights(page, server):
    open_playground(page, server.url, SHALLOW)
    slider(page, "theta_1_1").fill("1.5")
    wait_until(lambda: abs(weights(server, page)[0]["weight"][0][0] - 1.5) <= FLOAT32,
               what="GET weights shows theta_11 = 1.5")
    layers = weights(server, page)
    assert box(page, "theta_1_1").input_value() == "1.5"
    joint = -layers[0]["bias"][0] / 1.5
    assert page.locator(f"{CARD} .byhand-joint").first.inner_text().startswith("joint x = ")
    assert float(page.locator(f"{CARD} .byhand-joint").first.inner_text().split("= ")[1]
                 .split(" ")[0].replace("−", "-")) == pytest.approx(joint, abs=5e-3)

    def fit_matches() -> bool:
        fit = trace(page, "plot-fit1d", "network")
        if not fit or not fit["x"]:
            return False
        x, y = np.asarray(fit["x"]), np.asarray(fit["y"], dtype=float)
        return np.allclose(y, lecture_output(layers, x), rtol=1e-4, atol=1e-4)

    wait_until(fit_matches, what="the drawn fit is phi_0 + sum phi_d relu(theta_d0 + theta_d1 x)")
    notice = page.locator("#notice")
    assert notice.is_visible() and "weights set by hand" in notice.inner_text().lower()
    assert "optimizer state starts afresh" in notice.inner_text()


def test_the_loss_shown_is_the_runs_train_loss(page, server):
    open_playground(page, server.url, SHALLOW)
    client = api(server.url)
    page.click("#step")  # ×10
    wait_paused_at(page, 10)
    rest = client.get(f"/api/runs/{run_id(page)}").json()
    assert shown_loss(page) == float(f"{rest['train_loss']:.3g}")

    box(page, "phi_0").fill("0.75")  # typed, as a person would: the box's change sends it
    box(page, "phi_0").press("Tab")
    wait_until(lambda: abs(weights(server, page)[1]["bias"][0] - 0.75) <= FLOAT32,
               what="GET weights shows phi_0 = 0.75")
    new = client.get(f"/api/runs/{run_id(page)}").json()["train_loss"]
    assert new != rest["train_loss"]
    wait_until(lambda: shown_loss(page) == float(f"{new:.3g}"), what="the card shows the new loss")


def test_a_drag_sends_at_most_about_twenty_messages_a_second(page, server):
    sent: list[tuple[float, dict]] = []

    def on_socket(socket) -> None:
        socket.on("framesent", lambda payload: sent.append((time.monotonic(), json.loads(payload)))
                  if '"set_weights"' in str(payload) else None)

    page.on("websocket", on_socket)
    open_playground(page, server.url, SHALLOW)
    handle = slider(page, "theta_2_1")
    handle.focus()
    handle.press("Home")
    begun = time.monotonic()
    for _ in range(60):  # 60 input events, each a step of 0.01, as fast as the keyboard goes
        handle.press("ArrowRight")
    seconds = time.monotonic() - begun
    wait_until(lambda: abs(weights(server, page)[0]["weight"][1][0] - (-4 + 0.6)) <= 1e-5,
               what="the drag's last value reached the server")
    # Playwright hands over "framesent" events only while the page is called, so let it report the
    # last message before counting: the server having the value does not mean the event came in.
    deadline = time.monotonic() + 5
    while not sent or sent[-1][1]["layers"][0]["weight"][1][0] != pytest.approx(-3.4):
        assert time.monotonic() < deadline, f"the last message sent was {sent[-1:]}"
        page.wait_for_timeout(50)
    assert 2 <= len(sent) <= 20 * seconds + 2, f"{len(sent)} messages in {seconds:.2f} s"


def test_the_lesson_opens_its_net_and_play_finishes_a_fit_set_by_hand(page, server, screenshots):
    lesson = next(item for item in json.loads((ROOT / "frontend" / "lessons.json").read_text())
                  if item["id"] == "by_hand")
    open_playground(page, server.url, "#lesson=by_hand")
    config = run(page)["config"]
    for group, fields in lesson["config"].items():
        for name, value in fields.items():
            assert config[group][name] == value, (group, name)
    assert page.locator(CARD).get_attribute("data-off") == ""
    assert "By hand" in page.locator("#lesson-text").inner_text()

    first, output = lesson["claim"]["by_hand"]["layers"]  # the weights the lesson's text suggests
    typed = {f"theta_{d + 1}_0": first["bias"][d] for d in range(3)}
    typed |= {f"theta_{d + 1}_1": first["weight"][d][0] for d in range(3)}
    typed |= {f"phi_{d + 1}": output["weight"][0][d] for d in range(3)} | {"phi_0": 0.0}
    for key, value in typed.items():
        box(page, key).fill(str(value))
        box(page, key).press("Tab")
    wait_until(lambda: np.allclose(weights(server, page)[1]["weight"][0], output["weight"][0]),
               what="the typed weights reached the server")
    assert weights(server, page)[0]["bias"] == pytest.approx(first["bias"])
    by_hand = wait_until(lambda: shown_loss(page) <= lesson["claim"]["by_hand"]["max_start_loss"]
                         and shown_loss(page), what="the hand-set loss is shown")
    page.set_viewport_size({"width": 1366, "height": 768})
    page.locator(CARD).scroll_into_view_if_needed()
    page.screenshot(path=screenshots / "by-hand-1366.png")

    page.click("#play")
    page.wait_for_function("window.playground.run.status === 'running'")
    page.wait_for_selector(f'{CARD}[data-playing="1"]')
    assert slider(page, "theta_1_1").is_disabled()
    assert "Pause to set weights by hand" in page.locator(f"{CARD} .byhand-note").inner_text()
    wait_step_at_least(page, 300)
    pause(page)
    rest = api(server.url).get(f"/api/runs/{run_id(page)}").json()
    assert rest["train_loss"] < 0.75 * by_hand, (rest["train_loss"], by_hand)
    wait_until(lambda: shown_loss(page) == float(f"{rest['train_loss']:.3g}"),
               what="the card shows the paused run's loss")
    theta_11 = weights(server, page)[0]["weight"][0][0]  # the sliders followed the server's weights
    assert float(box(page, "theta_1_1").input_value()) == pytest.approx(theta_11, abs=1e-3)
    assert not slider(page, "theta_1_1").is_disabled()
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.screenshot(path=screenshots / "by-hand-1920.png")
