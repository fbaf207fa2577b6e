"""Run ids are capabilities: a live server's INFO log (uvicorn's access and websocket lines) must
name the route, never the id. Also checks the filter on records shaped like uvicorn's."""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request

import pytest
from websockets.sync.client import connect

from server.logs import RunIdFilter, redact
from tests.live_server import LiveServer, live_server


def call(server: LiveServer, method: str, path: str, body: dict | None = None) -> dict | None:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(server.url + path, data=data, method=method,
                                     headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read()
    except urllib.error.HTTPError as error:  # a refused call is logged too
        return {"status": error.code}
    return json.loads(text) if text.startswith(b"{") else None


@pytest.mark.slow
def test_a_live_servers_log_names_no_run_id() -> None:
    env = {"PLAYGROUND_DEVICE": "cpu", "PLAYGROUND_LOG_LEVEL": "info"}
    with live_server(env=env) as server:
        ids = [call(server, "POST", "/api/runs", {})["id"] for _ in range(2)]
        first, second = ids
        with connect(f"{server.ws_url}/api/runs/{first}/stream") as ws:
            assert json.loads(ws.recv(timeout=30))["type"] == "snapshot"
            ws.send(json.dumps({"type": "step", "steps": 3}))
            ws.recv(timeout=30)
        for method, path, body in [("POST", f"/api/runs/{first}/play", None),
                                   ("POST", f"/api/runs/{first}/pause", None),
                                   ("POST", f"/api/runs/{second}/train", {"steps": 5}),
                                   ("GET", f"/api/runs/{second}/function?x=1", None),
                                   ("PATCH", f"/api/runs/{second}", {"model": {"depth": 2}}),
                                   ("GET", "/api/runs/not-a-real-id", None),
                                   ("DELETE", f"/api/runs/{second}", None)]:
            call(server, method, path, body)
        deadline = time.monotonic() + 10  # the log is written by another process
        while "DELETE /api/runs/{id}" not in server.log() and time.monotonic() < deadline:
            time.sleep(0.1)
        log = server.log()
    assert '"POST /api/runs/{id}/play HTTP/1.1" 200' in log  # the access log is on, and redacted
    assert '"WebSocket /api/runs/{id}/stream" [accepted]' in log
    assert "GET /api/runs/{id}/function?x=1" in log
    for secret in (*ids, "not-a-real-id"):
        assert secret not in log, f"{secret} is in the log"
    assert "POST /api/runs HTTP/1.1" in log  # paths without an id are left as they are


def test_the_filter_keeps_uvicorns_record_shape() -> None:
    """uvicorn's access formatter unpacks record.args by position: they must stay a 5-tuple."""
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1,
                               '%s - "%s %s HTTP/%s" %d', ("127.0.0.1:5", "POST",
                                                           "/api/runs/AbC-_9xyz/play", "1.1", 200),
                               None)
    assert RunIdFilter().filter(record)
    assert record.args == ("127.0.0.1:5", "POST", "/api/runs/{id}/play", "1.1", 200)
    assert record.getMessage() == '127.0.0.1:5 - "POST /api/runs/{id}/play HTTP/1.1" 200'


def test_redact_spares_fixed_routes() -> None:
    assert redact("POST /api/runs/import") == "POST /api/runs/import"
    assert redact("POST /api/runs/importAbc/play") == "POST /api/runs/{id}/play"
    assert redact("GET /api/runs/x1?y=2") == "GET /api/runs/{id}?y=2"
    assert redact("POST /api/runs") == "POST /api/runs"
