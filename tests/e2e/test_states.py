"""The page survives a server restart: it says it is reconnecting, retries by itself, and starts a
fresh run with the same settings once the server (which forgot every run) is back on its port.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.e2e.conftest import VIEWPORT
from tests.e2e.pagetools import open_playground, run, run_id
from tests.live_server import ROOT, free_port, stop, wait_healthy

pytestmark = pytest.mark.e2e


def _start(port: int, log_path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PLAYGROUND_HOST": "127.0.0.1",
           "PLAYGROUND_PORT": str(port)}
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
