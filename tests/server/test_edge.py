"""The HTTP edge against the real app: Origin on state-changing calls and the websocket handshake,
the Host check of a loopback-bound server (DNS rebinding), and the security headers.

Each attack is a page on another site (or a rebinding name) replayed as the headers it sends.
"""

from __future__ import annotations

import json
import urllib.request

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from server.app import create_app
from tests.live_server import live_server
from tests.server.conftest import create, small_settings

EVIL = {"origin": "https://evil.example"}


def runs(client: TestClient) -> int:
    return client.get("/api/health").json()["runs"]


def test_a_foreign_page_cannot_create_or_import_runs(client: TestClient) -> None:
    for headers in (EVIL, {"origin": "null"}, {"origin": "http://testserver.evil.example"}):
        refused = client.post("/api/runs", json={}, headers=headers)
        assert refused.status_code == 403, refused.text
        assert "Origin" in refused.json()["detail"]
        imported = client.post("/api/runs/import", content=b"x",
                               headers={**headers, "content-type": "application/octet-stream"})
        assert imported.status_code == 403
    assert runs(client) == 0


def test_a_foreign_page_cannot_steer_or_delete_a_run(client: TestClient) -> None:
    run = create(client)
    path = f"/api/runs/{run['id']}"
    calls = [("POST", f"{path}/play", None), ("POST", f"{path}/reset", None),
             ("POST", f"{path}/pause", None), ("POST", f"{path}/train", {"steps": 5}),
             ("PATCH", path, {"model": {"hidden_units": 3}}), ("DELETE", path, None)]
    for method, url, body in calls:
        response = client.request(method, url, json=body, headers=EVIL)
        assert response.status_code == 403, (method, url, response.text)
    after = client.get(path).json()
    assert after["status"] == "paused" and after["step"] == 0
    assert after["config"] == run["config"]


def test_same_origin_and_originless_calls_pass(client: TestClient) -> None:
    own = {"origin": "http://testserver"}  # what the page served by this server sends
    run = client.post("/api/runs", json={}, headers=own).json()
    assert client.post(f"/api/runs/{run['id']}/play", headers=own).status_code == 200
    assert client.post(f"/api/runs/{run['id']}/pause").status_code == 200  # curl: no Origin
    assert client.get(f"/api/runs/{run['id']}", headers=EVIL).status_code == 200  # reads pass
    assert client.delete(f"/api/runs/{run['id']}", headers=own).status_code == 204


def test_the_origin_must_match_host_and_port() -> None:
    app = create_app(small_settings(allowed_hosts=("play.example.org",)))
    with TestClient(app, base_url="https://play.example.org") as client:
        assert client.post("/api/runs", json={},
                           headers={"origin": "https://play.example.org"}).status_code == 201
        for origin in ("https://play.example.org:8443", "http://play.example.org:8443",
                       "https://example.org", "https://play.example.org/path"):
            response = client.post("/api/runs", json={}, headers={"origin": origin})
            assert response.status_code == 403, origin


def test_allowed_origins_are_let_in() -> None:
    settings = small_settings(allowed_origins=("https://Class.Example.org:443",))
    with TestClient(create_app(settings)) as client:
        allowed = client.post("/api/runs", json={}, headers={"origin": "https://class.example.org"})
        assert allowed.status_code == 201
        assert client.post("/api/runs", json={}, headers=EVIL).status_code == 403


def test_allowed_origins_must_be_origins() -> None:
    with pytest.raises(ValueError, match="PLAYGROUND_ALLOWED_ORIGINS"):
        create_app(small_settings(allowed_origins=("class.example.org",)))


def test_a_foreign_page_cannot_open_the_stream(client: TestClient) -> None:
    run = create(client)
    url = f"/api/runs/{run['id']}/stream"
    with pytest.raises(WebSocketDisconnect) as refused:
        with client.websocket_connect(url, headers=EVIL):
            pass
    assert refused.value.code == 1008  # closed before accept: uvicorn answers the handshake 403
    with client.websocket_connect(url, headers={"origin": "http://testserver"}) as own:
        assert own.receive_json()["type"] == "snapshot"


def loopback_client(host: str = "127.0.0.1", base_url: str = "http://127.0.0.1:8000", **extra):
    """A client for a server bound to `host`, with the default allowed_hosts (none)."""
    settings = small_settings(host=host, allowed_hosts=(), **extra)
    return TestClient(create_app(settings), base_url=base_url)


@pytest.mark.parametrize("host", ["127.0.0.1:8000", "localhost:8000", "[::1]:8000", "localhost"])
def test_a_loopback_server_answers_its_own_names(host: str) -> None:
    with loopback_client() as client:
        assert client.get("/api/health", headers={"host": host}).status_code == 200


@pytest.mark.parametrize("host", ["rebind.evil.example", "rebind.evil.example:8000",
                                  "127.0.0.1.evil.example", "testserver"])
def test_a_loopback_server_refuses_a_rebound_name(host: str) -> None:
    """A page on evil.example whose DNS now says 127.0.0.1 reaches the server with its own name."""
    with loopback_client() as client:
        assert client.get("/api/health", headers={"host": host}).status_code == 400
        assert client.post("/api/runs", json={}, headers={"host": host}).status_code == 400
        assert client.get("/api/health").json()["runs"] == 0


def test_the_host_check_covers_the_stream() -> None:
    with loopback_client() as client:
        run = create(client)
        with pytest.raises(WebSocketDisconnect):
            with client.websocket_connect(f"/api/runs/{run['id']}/stream",
                                          headers={"host": "rebind.evil.example"}):
                pass


def test_a_server_on_all_interfaces_leaves_the_host_to_its_proxy() -> None:
    with loopback_client(host="0.0.0.0") as client:
        assert client.get("/api/health", headers={"host": "any.example"}).status_code == 200
    named = small_settings(host="0.0.0.0", allowed_hosts=("play.example.org",))
    with TestClient(create_app(named)) as client:
        assert client.get("/api/health", headers={"host": "play.example.org"}).status_code == 200
        assert client.get("/api/health", headers={"host": "127.0.0.1:8000"}).status_code == 200
        assert client.get("/api/health", headers={"host": "any.example"}).status_code == 400


@pytest.mark.parametrize("name", ["play.example.org:8000", "https://play.example.org",
                                  "*play.example.org", "play.*.org", ""])
def test_allowed_hosts_must_be_host_names(name: str) -> None:
    with pytest.raises(ValueError, match="PLAYGROUND_ALLOWED_HOSTS"):
        create_app(small_settings(allowed_hosts=(name,)))


def test_a_wildcard_host_allows_subdomains_only() -> None:
    settings = small_settings(host="0.0.0.0", allowed_hosts=("*.example.org",))
    create_app(small_settings(allowed_hosts=("[2001:db8::1]",)))  # an IPv6 literal is a name
    with TestClient(create_app(settings)) as client:
        assert client.get("/api/health", headers={"host": "a.example.org"}).status_code == 200
        assert client.get("/api/health", headers={"host": "example.org.evil"}).status_code == 400


@pytest.mark.parametrize("path", ["/", "/api/health", "/api/runs/nope", "/static/plotly.min.js",
                                  "/openapi.json"])
def test_every_response_carries_the_security_headers(client: TestClient, path: str) -> None:
    response = client.get(path)
    policy = response.headers["content-security-policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'self'" and directives["frame-ancestors"] == "'self'"
    assert directives["script-src"] == "'self'"  # no inline script, no eval
    assert "unsafe-eval" not in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"


def test_refusals_carry_the_headers_too(client: TestClient) -> None:
    text = {"content-type": "text/plain"}
    for response in (client.post("/api/runs", json={}, headers=EVIL),
                     client.post("/api/runs", content=b"{}", headers=text),
                     client.get("/api/health", headers={"host": "rebind.evil.example"})):
        assert response.status_code in (400, 403, 415)
        assert "frame-ancestors" in response.headers["content-security-policy"]
        assert response.headers["x-content-type-options"] == "nosniff"


def test_frame_ancestors_comes_from_the_settings() -> None:
    settings = small_settings(frame_ancestors="'self' https://lms.example.org")
    with TestClient(create_app(settings)) as client:
        policy = client.get("/").headers["content-security-policy"]
        assert "frame-ancestors 'self' https://lms.example.org" in policy
    with pytest.raises(ValueError, match="FRAME_ANCESTORS"):
        create_app(small_settings(frame_ancestors="'self'; script-src *"))


@pytest.mark.slow
def test_a_live_server_answers_a_foreign_handshake_403() -> None:
    """Over the wire the refused handshake is uvicorn's HTTP 403, before any frame is sent."""
    with live_server(env={"PLAYGROUND_DEVICE": "cpu"}) as server:
        request = urllib.request.Request(f"{server.url}/api/runs", data=b"{}",
                                         headers={"content-type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            run_id = json.loads(response.read())["id"]
        url = f"{server.ws_url}/api/runs/{run_id}/stream"
        with pytest.raises(InvalidStatus) as refused:
            connect(url, origin="https://evil.example")
        assert refused.value.response.status_code == 403
        with connect(url, origin=server.url) as own:
            assert json.loads(own.recv(timeout=30))["type"] == "snapshot"
