"""The step inspector in a real browser against the real server: on a paused run each click shows
one phase (forward with stored matrices, the loss, backward one layer per click from the top with
the stored values it reads highlighted, the update), a weight's finite-difference check, the
preview drawn on the fit, and Commit: the run moves exactly one step, to the weights shown. Cancel
leaves the run as it was; while playing the inspector is off. A screenshot at 1366x768.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.e2e.pagetools import (
    TIMEOUT_MS,
    api,
    open_playground,
    pause,
    rest,
    run,
    stepped,
    trace,
    wait_paused_at,
)

pytestmark = pytest.mark.e2e

NET = "#dataset=sine&n_points=60&hidden_units=4&depth=2&batch_size=8&seed=1&optimizer=momentum"
CARD = "#inspector-card"


def click(page, action: str) -> None:
    page.click(f'{CARD} button[data-action="{action}"]')


def phase_is(page, phase: str) -> None:
    page.wait_for_function(f"document.querySelector('{CARD}').dataset.phase === '{phase}'",
                           timeout=TIMEOUT_MS)


def inspection(page) -> dict:
    return page.evaluate(f"document.querySelector('{CARD}').inspection")


def enabled(page, action: str) -> bool:
    return page.locator(f'{CARD} button[data-action="{action}"]').is_enabled()


def test_phases_preview_and_commit(page, server, screenshots) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    open_playground(page, server.url, NET)
    pause(page)
    stepped(page, 10)
    assert not enabled(page, "loss") and not enabled(page, "commit")
    click(page, "forward")
    phase_is(page, "forward")
    step = inspection(page)
    assert step["step"] == 10 and len(step["indices"]) == 8
    forward = page.locator(f'{CARD} .inspector-phase[data-phase="forward"]')
    assert forward.locator('figure[data-name="Ω₂"]').get_attribute("data-shape") == "4x4"
    assert forward.locator('figure[data-name="f₂"]').get_attribute("data-shape") == "4x8"
    assert forward.locator('figure[data-name="f₂"]').get_attribute("data-stored") == "1"
    assert "Ω₂: 4×4 · h₁: 4×B" in forward.inner_text()
    shown = float(forward.locator('figure[data-name="f₁"] td').first.get_attribute("data-value"))
    assert shown == step["layers"][0]["pre"][0][0]
    page.locator(CARD).screenshot(path=screenshots / "inspector-forward-1366.png")
    # a weight's gradient by finite differences next to backprop's (one that is not 0)
    grad = np.abs(np.array(step["layers"][1]["grad_weight"]))
    row, column = (int(i) for i in np.unravel_index(grad.argmax(), grad.shape))
    assert grad[row, column] > 1e-4
    forward.locator(f'figure[data-name="Ω₂"] td[data-row="{row}"][data-column="{column}"] '
                    'button').click()
    page.wait_for_function(f"document.querySelector('{CARD} .inspector-check').dataset.numeric",
                           timeout=TIMEOUT_MS)
    check = page.locator(f"{CARD} .inspector-check")
    backprop, numeric = (float(check.get_attribute(f"data-{k}")) for k in ("backprop", "numeric"))
    assert backprop == step["layers"][1]["grad_weight"][row][column]
    assert numeric == pytest.approx(backprop, rel=1e-4, abs=1e-8)
    click(page, "loss")
    phase_is(page, "loss")
    assert float(page.locator(f"{CARD} .iloss").get_attribute("data-loss")) == step["loss"]
    assert step["loss"] == pytest.approx(np.mean(step["losses"]))
    for index, reads in [(2, "f₃"), (1, "f₂"), (0, "f₁")]:  # from the top, one click each
        assert enabled(page, "backward") and not enabled(page, "update")
        click(page, "backward")
        phase_is(page, f"backward-{index}")
        read = forward.locator(f'figure[data-name="{reads}"]')
        assert "read" in read.get_attribute("class")
    assert not enabled(page, "backward") and not enabled(page, "commit")
    click(page, "update")
    phase_is(page, "update")
    assert enabled(page, "commit")
    click(page, "preview")
    phase_is(page, "preview")
    after = trace(page, "plot-fit1d", "after this step")
    assert after is not None
    np.testing.assert_allclose(after["y"], step["preview"]["y"][0])
    page.screenshot(path=screenshots / "inspector-1366.png")
    page.locator(CARD).screenshot(path=screenshots / "inspector-card-1366.png")
    click(page, "commit")
    page.wait_for_function(f"document.querySelector('{CARD}').dataset.committed === '11'",
                           timeout=TIMEOUT_MS)
    wait_paused_at(page, 11)
    weights = rest(server, page, "weights")["layers"]
    for ours, engine in zip(step["new_weights"]["layers"], weights, strict=True):
        np.testing.assert_allclose(engine["weight"], ours["weight"], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(engine["bias"], ours["bias"], rtol=1e-5, atol=1e-6)
    assert trace(page, "plot-fit1d", "after this step") is None
    assert inspection(page) is None


def test_cancel_leaves_the_run_and_playing_turns_it_off(page, server) -> None:
    open_playground(page, server.url, NET)
    pause(page)
    stepped(page, 1)
    before = rest(server, page, "weights")
    click(page, "forward")
    phase_is(page, "forward")
    click(page, "cancel")
    phase_is(page, "")
    assert run(page)["step"] == 1 and rest(server, page, "weights") == before
    page.click("#play")
    page.wait_for_function(f"document.querySelector('{CARD}').dataset.playing === '1'",
                           timeout=TIMEOUT_MS)
    assert not enabled(page, "forward")
    assert "Pause" in page.locator(f"{CARD} .inspector-note").inner_text()
    pause(page)
    page.wait_for_function(f"!document.querySelector('{CARD} button[data-action=forward]')"
                           ".disabled", timeout=TIMEOUT_MS)


def test_weights_set_elsewhere_drop_the_open_step(page, server) -> None:
    open_playground(page, server.url, NET)
    pause(page)
    stepped(page, 10)
    click(page, "forward")
    phase_is(page, "forward")
    weights = rest(server, page, "weights")
    weights["layers"][-1]["bias"] = [weights["layers"][-1]["bias"][0] + 0.5]
    answer = api(server.url).put(f"/api/runs/{run(page)['id']}/weights", json=weights)
    assert answer.status_code == 200, answer.text
    phase_is(page, "")  # same step, same config, other weights: that step is gone
    assert inspection(page) is None and run(page)["step"] == 10


def test_two_inputs_have_no_preview_but_commit(page, server) -> None:
    open_playground(page, server.url, "#dataset=blobs&n_points=60&hidden_units=3&depth=1")
    pause(page)
    stepped(page, 1)
    click(page, "forward")
    phase_is(page, "forward")
    step = inspection(page)
    assert len(step["inputs"]) == 2 and len(step["targets"]) == 3
    for action, phase in [("loss", "loss"), ("backward", "backward-1"), ("backward", "backward-0"),
                          ("update", "update"), ("preview", "preview")]:
        click(page, action)
        phase_is(page, phase)
    assert "No preview" in page.locator(f"{CARD} .inspector-note").inner_text()
    click(page, "commit")
    page.wait_for_function(f"document.querySelector('{CARD}').dataset.committed === '2'",
                           timeout=TIMEOUT_MS)
    weights = rest(server, page, "weights")["layers"]
    np.testing.assert_allclose(weights[1]["weight"], step["new_weights"]["layers"][1]["weight"],
                               rtol=1e-5, atol=1e-6)
