"""States that need words: a server restart (reconnecting, then a fresh run with the same settings)
and a full server (its own message, and a retry that works once a run is freed).

Network errors in the console are expected here (the server is down or refuses on purpose), so
these tests watch for uncaught exceptions only.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

import pytest

from tests.e2e.conftest import VIEWPORT
from tests.e2e.pagetools import api, open_playground, run, run_id
from tests.live_server import ROOT, free_port, live_server, stop, wait_healthy

pytestmark = pytest.mark.e2e


def _start(port: int, log_path) -> subprocess.Popen:
    """A server with an empty database of its own: it knows no run (test_persistence.py restarts
    one on the same data)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PLAYGROUND_HOST": "127.0.0.1",
           "PLAYGROUND_PORT": str(port),
           "PLAYGROUND_DATA_DIR": tempfile.mkdtemp(prefix="playground-data-")}
    with open(log_path, "ab") as log:
        process = subprocess.Popen([sys.executable, "-m", "server"], cwd=ROOT, env=env,
                                   stdout=log, stderr=subprocess.STDOUT)
    wait_healthy(f"http://127.0.0.1:{port}", process)
    return process


def test_the_page_reconnects_after_a_server_restart(browser, screenshots):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = ROOT / "test-output" / "server-logs" / f"restart-{port}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    server = _start(port, log_path)
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    crashes: list[str] = []  # network errors are expected while the server is down; exceptions not
    page.on("pageerror", lambda error: crashes.append(str(error)))
    try:
        open_playground(page, url, "#dataset=abs&hidden_units=5&data_seed=3")
        first_id, config = run_id(page), run(page)["config"]

        stop(server)
        page.wait_for_function(
            "['reconnecting', 'unreachable'].includes(document.body.dataset.state)", timeout=20_000)
        pill = page.locator("#connection").inner_text()
        assert "retrying" in pill.lower() or "reconnecting" in pill.lower(), pill
        page.locator(".topbar").screenshot(path=screenshots / "state-reconnecting.png")

        server = _start(port, log_path)
        page.wait_for_function(
            f"window.playground.run.id !== '{first_id}'"
            " && document.body.dataset.state !== 'reconnecting'", timeout=30_000)
        assert run(page)["config"] == config
        page.wait_for_selector('#notice[data-kind="rebuilt"]')
        assert "restarted" in page.locator("#notice").inner_text()
        assert page.locator("#banner").is_hidden()
        assert not crashes, crashes
    finally:
        context.close()
        stop(server)


def test_a_full_server_shows_its_message_and_a_retry_works(browser):
    with live_server(env={"PLAYGROUND_MAX_RUNS": "1"}) as server:
        context = browser.new_context(viewport=VIEWPORT)
        crashes: list[str] = []
        first, second = context.new_page(), context.new_page()
        for tab in (first, second):
            tab.on("pageerror", lambda error: crashes.append(str(error)))
        try:
            open_playground(first, server.url)
            second.goto(server.url)
            second.wait_for_selector('#banner[data-key="limit"]', timeout=20_000)
            refused = api(server.url).post("/api/runs", json={})
            assert refused.status_code == 429
            assert refused.json()["detail"] in second.locator("#banner").inner_text()

            kept = run_id(first)
            first.close()  # a closed tab keeps its run (a reload reopens it): deleting frees it
            assert api(server.url).get(f"/api/runs/{kept}").status_code == 200
            assert api(server.url).delete(f"/api/runs/{kept}").status_code == 204
            second.wait_for_timeout(300)
            second.locator("#banner button", has_text="Try again").click()
            second.wait_for_function("window.playground.snapshots >= 1", timeout=20_000)
            assert second.locator("#banner").is_hidden()
            assert api(server.url).get("/api/health").json()["runs"] == 1
            assert not crashes, crashes
        finally:
            context.close()


def test_a_link_with_a_refused_setting_says_why_and_falls_back(browser, server):
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    crashes: list[str] = []
    page.on("pageerror", lambda error: crashes.append(str(error)))
    try:
        page.goto(f"{server.url}/#dataset=sine&hidden_units=100000")
        page.wait_for_selector('#banner[data-key="invalid-link"]', timeout=20_000)
        refused = api(server.url).post("/api/runs", json={"model": {"hidden_units": 100_000}})
        assert refused.status_code == 422
        assert refused.json()["detail"][0]["msg"] in page.locator("#banner").inner_text()
        page.wait_for_function("window.playground.snapshots >= 1", timeout=20_000)
        assert run(page)["config"]["model"]["hidden_units"] == 3  # the default lesson
        assert not crashes, crashes
    finally:
        context.close()
