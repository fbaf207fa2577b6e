"""The speed control by Play in a real browser: the cap it sends is the server's run.pace (REST),
a capped run advances at about its pace (far below its uncapped rate), "one epoch per frame" sends
steps per epoch x the frame rate, the pace travels in the URL, and lesson 1 opens with its own.
"""

from __future__ import annotations

import json
import math
import time

import pytest

from tests.e2e.pagetools import api, open_playground, pause, run_id, wait_step_at_least
from tests.live_server import ROOT

pytestmark = pytest.mark.e2e

STOPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]  # js/pace.js PACE_STOPS, then "max"
FREE = "#dataset=sine&n_points=100&hidden_units=8&depth=1&seed=0"


def set_pace(page, stop: int | None) -> None:
    """Move the slider with the keyboard, as a person would: Home, then right to the stop."""
    slider = page.locator("#pace-slider")
    slider.focus()
    slider.press("End" if stop is None else "Home")
    for _ in range(0 if stop is None else STOPS.index(stop)):
        slider.press("ArrowRight")


def server_run(server, page) -> dict:
    return api(server.url).get(f"/api/runs/{run_id(page)}").json()


def rate(server, page, seconds: float) -> float:
    """Steps per second the server's run took over `seconds` (REST before and after)."""
    start, begun = server_run(server, page)["step"], time.monotonic()
    time.sleep(seconds)
    end = server_run(server, page)["step"]
    return (end - start) / (time.monotonic() - begun)


def test_the_speed_control_caps_the_run_and_changes_it_while_playing(page, server):
    open_playground(page, server.url, FREE)
    set_pace(page, 5)
    assert page.locator("#pace-value").inner_text() == "5/s"
    assert "pace=5" in page.evaluate("location.hash")
    page.click("#play")
    page.wait_for_function("window.playground.run.status === 'running'")
    assert server_run(server, page)["pace"] == 5
    capped = rate(server, page, 3.0)
    assert 2 <= capped <= 5 * 1.5 + 1, f"{capped:.1f} steps/s at a pace of 5"

    set_pace(page, None)  # "max", while playing: the play is sent again without a cap
    page.wait_for_function("window.playground.run.pace === null")
    assert server_run(server, page)["pace"] is None
    assert page.locator("#pace-value").inner_text() == "max"
    uncapped = rate(server, page, 1.5)
    assert uncapped > 10 * capped, f"uncapped {uncapped:.0f} steps/s vs capped {capped:.1f}"
    pause(page)


def test_one_epoch_per_frame_sends_steps_per_epoch_times_the_frame_rate(page, server):
    open_playground(page, server.url, FREE + "&batch_size=16")
    page.check("#pace-epoch")
    page.click("#play")
    page.wait_for_function("window.playground.run.status === 'running'")
    frame_rate = api(server.url).get("/api/options").json()["limits"]["frame_rate"]
    training = len(api(server.url).get(f"/api/runs/{run_id(page)}/data").json()["train"]["y"])
    expected = math.ceil(training / 16) * frame_rate
    page.wait_for_function(f"window.playground.run.pace === {expected}")
    assert server_run(server, page)["pace"] == expected
    assert "pace=epoch" in page.evaluate("location.hash")
    pause(page)


def test_the_pace_comes_back_from_a_link(page, server):
    open_playground(page, server.url, FREE + "&pace=20")
    assert page.locator("#pace-value").inner_text() == "20/s"
    page.click("#play")
    page.wait_for_function("window.playground.run.status === 'running'")
    assert server_run(server, page)["pace"] == 20
    pause(page)


def test_lesson_one_opens_with_its_pace(page, server):
    lessons = json.loads((ROOT / "frontend" / "lessons.json").read_text())
    pace = lessons[0]["pace"]
    open_playground(page, server.url)  # no address: the first lesson
    assert page.evaluate("window.playground.lesson") == lessons[0]["id"]
    assert page.locator("#pace-value").inner_text() == f"{pace}/s"
    page.click("#play")
    wait_step_at_least(page, 1)
    assert server_run(server, page)["pace"] == pace
    assert "pace=" not in page.evaluate("location.hash")  # the lesson's own pace is its default
    pause(page)
