"""The page keeps its run: a reload reopens the tab's own run (same id, same step), closing the tab
deletes nothing, and after the server is killed and restarted on the same data the page reconnects
to its run, paused at its saved step (not a fresh one)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from server.store import RunStore, database_url, make_engine
from tests.e2e.conftest import tracked_page
from tests.e2e.pagetools import api, open_playground, run, run_id, stepped
from tests.live_server import ROOT, free_port, stop, wait_healthy

pytestmark = pytest.mark.e2e


def test_a_reload_keeps_the_run_and_closing_the_tab_deletes_nothing(page, server):
    open_playground(page, server.url, "#dataset=abs&hidden_units=4")
    stepped(page, 10)
    first, config = run_id(page), run(page)["config"]
    page.reload()
    page.wait_for_function("window.playground && window.playground.snapshots >= 1")
    assert run_id(page) == first
    assert (run(page)["step"], run(page)["config"]) == (10, config)
    stepped(page, 10, at=20)  # it is this tab's own run: it steers it
    page.close()
    kept = api(server.url).get(f"/api/runs/{first}")
    assert kept.status_code == 200 and kept.json()["step"] == 20


def _start(port: int, data_dir: Path, log_path: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PLAYGROUND_HOST": "127.0.0.1",
           "PLAYGROUND_PORT": str(port), "PLAYGROUND_DATA_DIR": str(data_dir)}
    env.pop("PLAYGROUND_DATABASE_URL", None)
    with open(log_path, "ab") as log:
        process = subprocess.Popen([sys.executable, "-m", "server"], cwd=ROOT, env=env,
                                   stdout=log, stderr=subprocess.STDOUT)
    wait_healthy(f"http://127.0.0.1:{port}", process)
    return process


def _saved_step(data_dir: Path, run: str) -> int | None:
    store = RunStore(make_engine(database_url(str(data_dir))))
    try:
        saved = store.load(run)
        return None if saved is None else saved.step
    finally:
        store.close()


def test_after_a_crash_and_restart_the_page_finds_its_run(browser, tmp_path):
    port, data_dir = free_port(), tmp_path / "data"
    log_path = ROOT / "test-output" / "server-logs" / f"persist-{port}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    server = _start(port, data_dir, log_path)
    try:
        with tracked_page(browser) as page:
            open_playground(page, f"http://127.0.0.1:{port}", "#dataset=sine&hidden_units=5")
            stepped(page, 10)
            first = run_id(page)
            deadline = time.monotonic() + 30
            while _saved_step(data_dir, first) != 10:
                assert time.monotonic() < deadline, "the paused run was not saved"
                time.sleep(0.2)
            os.kill(server.pid, signal.SIGKILL)
            server.wait()
            page.wait_for_function(
                "['reconnecting', 'unreachable'].includes(document.body.dataset.state)",
                timeout=20_000)
            server = _start(port, data_dir, log_path)
            page.wait_for_function("document.body.dataset.state === 'open'"
                                   " && window.playground.run.step === 10", timeout=30_000)
            assert run_id(page) == first and run(page)["status"] == "paused"
            assert page.locator('#notice[data-kind="rebuilt"]').count() == 0  # no fresh run
            stepped(page, 10, at=20)  # and it continues
            page.problems.clear()  # the console's failed reconnects while the server was down
    finally:
        stop(server)
