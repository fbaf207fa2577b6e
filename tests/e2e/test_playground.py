"""The playground page in a real browser against a live server: training, live changes, rebuilds,
the URL as the whole configuration, and the server's own error messages.

Each test checks what the page draws against what the server reports over REST (the reference).
"""

from __future__ import annotations

import re

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

pytestmark = pytest.mark.e2e

REFUSED_CHANGE = re.compile(r"Failed to load resource: .*status of 422")


def test_default_lesson_trains_loss_falls_and_curve_moves(page, server, screenshots):
    open_playground(page, server.url)
    assert page.locator("#lesson-title").inner_text() == "Three hidden units make three kinks"
    assert "lesson=three_kinks" in page.url and "hidden_units=3" in page.url
    assert page.locator("body").get_attribute("data-mode") == "1d"
    before = trace(page, "plot-fit1d", "network")
    assert before and len(before["x"]) >= 2

    page.click("#play")
    wait_step_at_least(page, 400)
    page.wait_for_function("document.getElementById('plot-loss').data[0].x.length >= 10")
    pause(page)

    losses = page.evaluate("document.getElementById('plot-loss').data[0].y.filter(v => v !== null)")
    assert losses[-1] < losses[0], "the train loss drawn at the end is not below the first"
    after = trace(page, "plot-fit1d", "network")
    after_at_before_x = [_interpolate(after["x"], after["y"], x) for x in before["x"]]
    assert max(abs(a - b) for a, b in zip(after_at_before_x, before["y"], strict=True)) > 1e-2
    assert page.locator('[data-stat="step"]').inner_text() != "0"
    page.screenshot(path=screenshots / "1d-default-lesson.png", full_page=True)


def test_hidden_units_3_to_8_changes_marked_kinks_as_the_server_says(page, server, screenshots):
    open_playground(page, server.url)
    client = api(server.url)

    def kinks_after_training() -> tuple[int, int]:
        page.select_option("#step-size", "100")
        page.click("#step")
        wait_paused_at(page, 100)
        function = client.get(f"/api/runs/{run_id(page)}/function").json()
        shown = int(page.locator("#plot-fit1d").get_attribute("data-breakpoints"))
        markers = trace(page, "plot-fit1d", "kinks")
        assert shown == (len(markers["x"]) if markers else 0)
        return shown, len(function["piecewise"]["breakpoints"][0])

    shown3, server3 = kinks_after_training()
    assert shown3 == server3 <= 3

    count = snapshots(page)
    set_field(page, "hidden_units", 8)
    wait_snapshot_after(page, count)
    assert run(page)["config"]["model"]["hidden_units"] == 8
    notice = page.locator('#notice[data-kind="rebuilt"]')
    notice.wait_for(timeout=20_000)  # the PATCH's answer, which may come just after the snapshot
    assert "Hidden units" in notice.inner_text()

    shown8, server8 = kinks_after_training()
    assert shown8 == server8
    assert shown8 != shown3, "8 hidden units drew as many kinks as 3"
    page.screenshot(path=screenshots / "1d-eight-units.png", full_page=True)


def test_learning_rate_change_applies_live_and_keeps_the_step_count(page, server):
    open_playground(page, server.url)
    page.click("#play")
    wait_step_at_least(page, 200)
    count = snapshots(page)
    before = run(page)["step"]

    set_field(page, "learning_rate", 0.003)
    page.wait_for_selector('#notice[data-kind="live"]', timeout=20_000)
    assert "Learning rate" in page.locator("#notice").inner_text()
    wait_step_at_least(page, before + 200)
    assert snapshots(page) == count, "a learning-rate change restarted the run"
    pause(page)
    remote = api(server.url).get(f"/api/runs/{run_id(page)}").json()
    assert remote["config"]["training"]["learning_rate"] == pytest.approx(0.003)
    assert remote["step"] >= before + 200
    assert "learning_rate=0.003" in page.url


def test_reloading_the_url_restores_the_same_settings(page, server, browser):
    open_playground(page, server.url)
    changes = [("hidden_units", 5), ("learning_rate", 0.02), ("data_seed", 7), ("seed", 3)]
    for key, value in changes:
        count = snapshots(page)
        set_field(page, key, value)
        if key != "learning_rate":
            wait_snapshot_after(page, count)
    page.select_option("#dataset", "abs")
    page.wait_for_function("window.playground.run.config.dataset.name === 'abs'")
    page.wait_for_function("location.hash.includes('dataset=abs')")
    config = run(page)["config"]
    assert config["training"]["learning_rate"] == pytest.approx(0.02)
    url, first_id = page.url, run_id(page)

    other = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    open_playground(other, server.url, url[len(server.url) + 1:])
    assert run_id(other) != first_id
    assert run(other)["config"] == config
    for key, value in changes:
        assert float(other.locator(f"#{key}").input_value()) == pytest.approx(value)
    assert other.locator("#dataset").input_value() == "abs"
    client = api(server.url)
    first = client.get(f"/api/runs/{first_id}/data").json()
    second = client.get(f"/api/runs/{run_id(other)}/data").json()
    assert first == second, "the same link drew different data"
    other.context.close()

    page.reload()
    page.wait_for_function("window.playground && window.playground.snapshots >= 1")
    assert run(page)["config"] == config


def test_an_invalid_value_shows_the_servers_message(page, server):
    open_playground(page, server.url)
    set_field(page, "learning_rate", 50)
    error = page.locator('.field[data-key="learning_rate"] .field-error')
    error.wait_for(timeout=20_000)
    reference = api(server.url).patch(f"/api/runs/{run_id(page)}",
                                      json={"training": {"learning_rate": 50}})
    assert reference.status_code == 422
    assert reference.json()["detail"][0]["msg"] in error.inner_text()
    assert run(page)["config"]["training"]["learning_rate"] != 50
    assert "learning_rate=50" not in page.url

    set_field(page, "hidden_units", 100_000)
    error = page.locator('.field[data-key="hidden_units"] .field-error')
    error.wait_for(timeout=20_000)
    reference = api(server.url).patch(f"/api/runs/{run_id(page)}",
                                      json={"model": {"hidden_units": 100_000}})
    assert reference.json()["detail"][0]["msg"] in error.inner_text()
    # The page sends changes as PATCH requests: chromium logs each refused one by itself.
    refused = [p for p in page.problems if REFUSED_CHANGE.search(p)]
    assert len(refused) == 2, page.problems
    for problem in refused:
        page.problems.remove(problem)  # the rest must be empty (checked when the page closes)


def _interpolate(xs: list[float], ys: list[float], x: float) -> float:
    for i in range(1, len(xs)):
        if xs[i] >= x:
            x0, x1, y0, y1 = xs[i - 1], xs[i], ys[i - 1], ys[i]
            return y0 if x1 == x0 else y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    return ys[-1]
