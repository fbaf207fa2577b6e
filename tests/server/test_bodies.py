"""Request bodies at the edge: JSON only (raw bytes for a checkpoint import), at most
max_body_bytes, counted while streaming; JSON beyond the parser's limits is a 422, not UTF-8 a 400.

The attacks, made small: an oversized JSON body (with and without Content-Length), a form post
from another site's page, a 5,000-digit integer.
"""

from __future__ import annotations

import asyncio
import json
import select
import socket
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from server.app import create_app
from tests.live_server import LiveServer, live_server
from tests.server.conftest import create, small_settings

LIMIT = 4096
JSON = {"content-type": "application/json"}


@pytest.fixture
def small_bodies() -> Iterator[TestClient]:
    with TestClient(create_app(small_settings(max_body_bytes=LIMIT))) as client:
        yield client


def padded(size: int) -> bytes:
    """A valid `POST /api/runs` body of exactly `size` bytes."""
    return b"{}".ljust(size)


def test_a_body_at_the_limit_passes_one_byte_more_is_413(small_bodies: TestClient) -> None:
    assert small_bodies.post("/api/runs", content=padded(LIMIT), headers=JSON).status_code == 201
    refused = small_bodies.post("/api/runs", content=padded(LIMIT + 1), headers=JSON)
    assert refused.status_code == 413
    assert f"max_body_bytes = {LIMIT}" in refused.json()["detail"]
    assert small_bodies.get("/api/health").json()["runs"] == 1


def test_every_json_endpoint_is_bounded(small_bodies: TestClient) -> None:
    run = create(small_bodies)
    big = padded(LIMIT + 1)
    for method, path in (("PATCH", f"/api/runs/{run['id']}"),
                         ("POST", f"/api/runs/{run['id']}/train"),
                         ("POST", f"/api/runs/{run['id']}/play")):
        response = small_bodies.request(method, path, content=big, headers=JSON)
        assert response.status_code == 413, (method, path)


def test_the_import_keeps_its_own_larger_limit(small_bodies: TestClient) -> None:
    """A checkpoint is bigger than any JSON body: only max_upload_bytes bounds it."""
    run = create(small_bodies, {"model": {"hidden_units": 32, "depth": 2}})
    data = small_bodies.get(f"/api/runs/{run['id']}/checkpoint").content
    assert len(data) > LIMIT
    imported = small_bodies.post("/api/runs/import", content=data,
                                 headers={"content-type": "application/octet-stream"})
    assert imported.status_code == 201, imported.text


async def call(app, method: str, path: str, headers: dict[str, str],
               chunks: Iterator[bytes]) -> tuple[int, dict, int]:
    """One request straight into the app's ASGI interface, its body sent chunk by chunk on
    demand as a server would: (status, JSON answer, chunks the app asked for)."""
    asked = 0
    sent: list[dict] = []

    async def receive() -> dict:
        nonlocal asked
        chunk = next(chunks, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        asked += 1
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": method, "scheme": "http", "path": path, "raw_path": path.encode(),
             "query_string": b"", "root_path": "", "client": ("127.0.0.1", 5000),
             "server": ("127.0.0.1", 8000),
             "headers": [(k.encode(), v.encode()) for k, v in headers.items()]}
    await app(scope, receive, send)
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return sent[0]["status"], json.loads(body), asked


def test_a_chunked_body_is_refused_after_the_limit_plus_one_chunk() -> None:
    """No Content-Length: the edge counts while reading and stops reading at the limit."""
    app = create_app(small_settings(max_body_bytes=LIMIT))
    chunk = b" " * 1000
    endless = (chunk for _ in range(100_000))  # 100 MB if it were all read
    headers = {"host": "testserver", "transfer-encoding": "chunked", **JSON}
    status, answer, asked = asyncio.run(call(app, "POST", "/api/runs", headers, endless))
    assert status == 413 and "max_body_bytes" in answer["detail"]
    assert asked <= LIMIT // len(chunk) + 1


def test_a_declared_oversized_body_is_refused_unread() -> None:
    app = create_app(small_settings(max_body_bytes=LIMIT))
    headers = {"host": "testserver", "content-length": str(100 * 2**20), **JSON}
    chunks = (b" " * 1000 for _ in range(100_000))
    status, _, asked = asyncio.run(call(app, "POST", "/api/runs", headers, chunks))
    assert status == 413 and asked == 0


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    env = {"PLAYGROUND_DEVICE": "cpu", "PLAYGROUND_MAX_BODY_BYTES": str(64 * 1024)}
    with live_server(env=env) as running:
        yield running


@pytest.mark.slow
def test_a_live_server_answers_a_huge_chunked_body_before_it_is_sent(server: LiveServer) -> None:
    """The 100 MB freeze, replayed on the wire: the 413 arrives while the client still sends."""
    total, sent, chunk = 64 * 2**20, 0, b"4000\r\n" + b" " * 0x4000 + b"\r\n"
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(b"POST /api/runs HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
        while sent < total:
            readable, writable, _ = select.select([sock], [sock], [], 30)
            if readable:
                break
            if writable:
                try:
                    sent += sock.send(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    break
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert sent < total // 2, f"the server read {sent} bytes before it answered"


def test_only_json_bodies_are_taken(client: TestClient) -> None:
    """A form post or a text/plain fetch from another site needs no preflight: refuse the type."""
    run = create(client)
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data",
                         "application/json-seq", "application/json; charset=latin-1"):
        response = client.post("/api/runs", content=b"{}", headers={"content-type": content_type})
        assert response.status_code == 415, content_type
        assert "application/json" in response.json()["detail"]
        patched = client.patch(f"/api/runs/{run['id']}", content=b"{}",
                               headers={"content-type": content_type})
        assert patched.status_code == 415
    assert client.post("/api/runs", content=b"{}", headers={}).status_code == 415  # none at all
    assert client.get("/api/health").json()["runs"] == 1


def test_json_with_a_charset_and_bodyless_calls_pass(client: TestClient) -> None:
    for content_type in ("application/json", "Application/JSON; charset=UTF-8"):
        response = client.post("/api/runs", content=b"{}", headers={"content-type": content_type})
        assert response.status_code == 201, content_type
    run = response.json()
    assert client.post(f"/api/runs/{run['id']}/play").status_code == 200  # no body, no type
    assert client.post(f"/api/runs/{run['id']}/pause", content=b"",
                       headers={"content-type": "text/plain"}).status_code == 200


def test_the_import_takes_only_octet_stream(client: TestClient) -> None:
    for content_type in (None, "application/json", "multipart/form-data", "text/plain"):
        headers = {"content-type": content_type} if content_type else {}
        response = client.post("/api/runs/import", content=b"garbage", headers=headers)
        assert response.status_code == 415, content_type
        assert "application/octet-stream" in response.json()["detail"]
    octet = client.post("/api/runs/import", content=b"garbage",
                        headers={"content-type": "application/octet-stream"})
    assert octet.status_code == 422  # past the edge: the route says it is no checkpoint


@pytest.mark.parametrize(("path", "body"), [
    ("/api/runs", b'{"dataset": {"seed": ' + b"7" * 5000 + b"}}"),
    ("/api/runs", b"[" * 100_000),  # nesting past the parser's recursion limit
    ("/api/runs/{id}/train", b'{"steps": ' + b"9" * 5000 + b"}"),
])
def test_json_beyond_the_parser_is_422_json_invalid(client: TestClient, path: str,
                                                    body: bytes) -> None:
    run = create(client)
    response = client.post(path.format(id=run["id"]), content=body, headers=JSON)
    assert response.status_code == 422, response.text
    (error,) = response.json()["detail"]
    assert error["loc"] == ["body"] and error["type"] == "json_invalid"
    assert error["msg"].startswith("JSON decode error")


def test_a_long_but_parsable_integer_is_a_plain_validation_error(client: TestClient) -> None:
    body = b'{"dataset": {"seed": ' + b"7" * 4000 + b"}}"
    response = client.post("/api/runs", content=body, headers=JSON)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-2:] == ["dataset", "seed"]


def test_a_body_that_is_not_utf8_stays_400(client: TestClient) -> None:
    response = client.post("/api/runs", content=b'{"dataset": {"name": "\xff"}}', headers=JSON)
    assert response.status_code == 400
    assert isinstance(response.json()["detail"], str)
