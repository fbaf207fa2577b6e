"""A run the server fails on (a drawing fault injected into a real server): its page says so and
offers a reset; a classmate's page on the same server keeps learning."""

from __future__ import annotations

import sys

import pytest

from tests.e2e.conftest import tracked_page
from tests.e2e.pagetools import open_playground, run, wait_step_at_least
from tests.live_server import live_server

pytestmark = pytest.mark.e2e


def test_a_failed_run_is_explained_and_the_class_goes_on(browser, screenshots):
    command = [sys.executable, "-m", "tests.faulty_server"]
    with live_server(env={"NN_FAULT_DATASET": "abs"}, command=command) as server, \
            tracked_page(browser) as broken, tracked_page(browser) as classmate:
        open_playground(broken, server.url, "#dataset=abs")
        banner = broken.locator("#banner")
        broken.wait_for_function("window.playground.run.status === 'failed'", timeout=20_000)
        assert "This run stopped" in banner.inner_text()
        assert "injected drawing fault" in banner.inner_text()
        assert banner.get_by_role("button", name="Reset").is_visible()
        broken.screenshot(path=screenshots / "state-failed.png")

        open_playground(classmate, server.url, "#dataset=sine")
        classmate.click("#play")
        wait_step_at_least(classmate, 200)
        assert run(classmate)["status"] == "running"
        assert run(broken)["status"] == "failed"
