"""Connections that would never end, against a real server: idle and half-sent sockets are closed
after the header deadline, they cannot lock others out of a small descriptor table, a websocket
that stops reading is dropped, and SIGTERM ends the process with a long train in flight.
"""

from __future__ import annotations

import base64
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import psutil
import pytest

from server.settings import Settings
from tests.live_server import ROOT, LiveServer, live_server

pytestmark = pytest.mark.slow
HEADER_TIMEOUT = 1.0
SHORT = {"PLAYGROUND_DEVICE": "cpu", "PLAYGROUND_HEADER_TIMEOUT": str(HEADER_TIMEOUT),
         "PLAYGROUND_KEEP_ALIVE_TIMEOUT": "1", "PLAYGROUND_SEND_TIMEOUT": "1",
         "PLAYGROUND_IDLE_TIMEOUT": "1", "PLAYGROUND_FRAME_RATE": "60",
         "PLAYGROUND_GRID_RESOLUTION": "80"}
REQUEST = b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


@pytest.fixture(scope="module")
def short() -> Iterator[LiveServer]:
    """A server with one-second header, keep-alive, send and idle timeouts."""
    with live_server(env=SHORT) as running:
        yield running


def rest(server: LiveServer, method: str, path: str, body: dict | None = None,
         timeout: float = 30) -> dict:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(server.url + path, data=data, method=method,
                                     headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


def raw(server: LiveServer, sent: bytes = b"") -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port))
    if sent:
        sock.sendall(sent)
    return sock


def read_response(sock: socket.socket) -> bytes:
    """One whole HTTP response (head and content-length body) from `sock`."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(4096)
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                  if line.lower().startswith(b"content-length:"))
    while len(body) < length:
        body += sock.recv(4096)
    return head


def closed_by_server(sock: socket.socket) -> bool:
    """True once the server has closed its end (EOF or reset); never blocks."""
    if not select.select([sock], [], [], 0)[0]:
        return False
    try:
        return sock.recv(4096) == b""
    except ConnectionResetError:
        return True


def test_idle_and_half_sent_connections_are_closed_and_others_are_served(
        short: LiveServer) -> None:
    silent = [raw(short) for _ in range(8)]
    half_line = [raw(short, b"GET /api/health HT") for _ in range(8)]
    half_head = [raw(short, b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n") for _ in range(4)]
    trickle = [raw(short, b"GET /api/health HTTP/1.1\r\nX-Slow: ") for _ in range(2)]
    idle_after_one, half_second = [raw(short, REQUEST) for _ in range(2)], [raw(short, REQUEST)]
    opened = time.monotonic()
    for sock in [*idle_after_one, *half_second]:
        assert b" 200 " in read_response(sock)
    for sock in half_second:  # uvicorn's keep-alive timer stops here; the header deadline not
        sock.sendall(b"GET /api/heal")
    attackers = [*silent, *half_line, *half_head, *trickle, *idle_after_one, *half_second]
    try:
        assert rest(short, "GET", "/api/health")["status"] == "ok"
        if time.monotonic() - opened < HEADER_TIMEOUT / 2:  # answered while they were all open
            assert not any(closed_by_server(sock) for sock in attackers)
        deadline, remaining = time.monotonic() + HEADER_TIMEOUT + 10, list(attackers)
        while remaining and time.monotonic() < deadline:
            for sock in trickle:
                if sock in remaining:
                    try:
                        sock.send(b"a")  # one more byte of a header that never ends
                    except OSError:
                        pass  # closed already: the check below sees it
            remaining = [sock for sock in remaining if not closed_by_server(sock)]
            time.sleep(0.2)
        kinds = {"silent": silent, "half request line": half_line, "half head": half_head,
                 "trickle": trickle, "idle keep-alive": idle_after_one,
                 "half second request": half_second}
        still_open = [kind for kind, socks in kinds.items() if set(socks) & set(remaining)]
        assert not still_open, f"the server never closed: {still_open}"
    finally:
        for sock in attackers:
            sock.close()


def limited(soft: int, hard: int) -> list[str]:
    """`python -m server` started with RLIMIT_NOFILE (soft, hard)."""
    script = (f"import os, resource, sys; resource.setrlimit(resource.RLIMIT_NOFILE, ({soft}, "
              f"{hard})); os.execv(sys.executable, [sys.executable, '-m', 'server'])")
    return [sys.executable, "-c", script]


def test_idle_sockets_cannot_lock_others_out_of_a_small_descriptor_table() -> None:
    """128 descriptors, 160 silent sockets: they fill the table, the header deadline empties it,
    and a normal client is answered again while every attacker keeps its socket open."""
    with live_server(env=SHORT, command=limited(48, 128)) as server:
        attackers = [raw(server) for _ in range(160)]
        try:
            deadline, answered = time.monotonic() + HEADER_TIMEOUT + 20, False
            while not answered and time.monotonic() < deadline:
                try:
                    answered = rest(server, "GET", "/api/health", timeout=5)["status"] == "ok"
                except (OSError, urllib.error.URLError):
                    time.sleep(0.2)  # refused or reset: the table is full right now
            assert answered, "160 idle sockets locked everyone out"
        finally:
            for sock in attackers:
                sock.close()
        soft, hard = psutil.Process(server.process.pid).rlimit(psutil.RLIMIT_NOFILE)
        assert (soft, hard) == (128, 128), "the soft limit was not raised to the hard one"
        assert "open-file limit 128 (hard 128)" in server.log()  # and the log says so


@pytest.mark.parametrize(("soft", "hard", "wanted", "expected"), [
    (64, 4096, 1000, 1000), (64, 4096, 5000, 4096), (2000, 4096, 1000, 2000),
])
def test_open_file_limit_is_raised_towards_the_hard_limit_and_never_lowered(
        soft: int, hard: int, wanted: int, expected: int) -> None:
    script = ("import resource; from server.connections import raise_open_file_limit; "
              f"resource.setrlimit(resource.RLIMIT_NOFILE, ({soft}, {hard})); "
              f"print(*raise_open_file_limit({wanted}))")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            cwd=ROOT, check=True)
    assert result.stdout.split() == [str(expected), str(hard)]


def upgrade(server: LiveServer, run_id: str, window: int | None = None
            ) -> tuple[socket.socket, bytes]:
    """A raw websocket handshake for `run_id`'s stream: the socket and the response head.
    `window`: a receive buffer this small (set before connecting), for a client that won't read."""
    sock = socket.socket()
    if window is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, window)
    sock.connect(("127.0.0.1", server.port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(f"GET /api/runs/{run_id}/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                 "Sec-WebSocket-Version: 13\r\n\r\n".encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(1)  # byte by byte: what follows the head is the stream's
        if not chunk:
            break
        head += chunk
    return sock, head


def stalled_websocket(server: LiveServer, run_id: str) -> socket.socket:
    """A websocket client that says `play` and then never reads (a tiny receive window)."""
    sock, head = upgrade(server, run_id, window=4096)
    assert b" 101 " in head
    payload, mask = b'{"type": "play"}', os.urandom(4)  # one masked text frame
    masked = bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))
    sock.sendall(bytes([0x81, 0x80 | len(payload)]) + mask + masked)
    return sock


def test_max_connections_caps_websockets_and_requests_alike() -> None:
    env = {"PLAYGROUND_DEVICE": "cpu", "PLAYGROUND_MAX_CONNECTIONS": "4"}
    with live_server(env=env) as server:
        run = rest(server, "POST", "/api/runs", {})
        watchers = [upgrade(server, run["id"]) for _ in range(3)]
        try:
            assert all(b" 101 " in head for _, head in watchers)
            extra, head = upgrade(server, run["id"])
            extra.close()
            assert b" 503 " in head, "a websocket beyond max_connections was let in"
            with pytest.raises(urllib.error.HTTPError) as full:
                rest(server, "GET", "/api/health")
            assert full.value.code == 503
            watchers.pop()[0].close()
            deadline = time.monotonic() + 10
            while True:  # one left: room again, once the server has seen it go
                try:
                    assert rest(server, "GET", "/api/health")["status"] == "ok"
                    break
                except urllib.error.HTTPError:
                    assert time.monotonic() < deadline, "the cap never let anyone in again"
                    time.sleep(0.1)
        finally:
            for sock, _ in watchers:
                sock.close()


def test_a_websocket_that_stops_reading_is_dropped_and_its_run_idles(short: LiveServer) -> None:
    """Big 2-D frames to a client that never reads: after send_timeout the server drops it, so
    its run idle-pauses like an unwatched one, while the client still holds its socket open."""
    run = rest(short, "POST", "/api/runs", {"dataset": {"name": "circle"}})
    stalled = stalled_websocket(short, run["id"])
    try:
        deadline = time.monotonic() + 10
        while rest(short, "GET", f"/api/runs/{run['id']}")["status"] != "running":
            assert time.monotonic() < deadline, "the stalled client's play never arrived"
            time.sleep(0.1)
        # Wait without asking about the run (a request about it would count as activity).
        deadline = time.monotonic() + 20  # uvicorn's own ping timeout alone takes 40 s
        while "connection aborted" not in short.log():
            assert time.monotonic() < deadline, "a client that never reads was never dropped"
            time.sleep(0.2)
        time.sleep(float(SHORT["PLAYGROUND_IDLE_TIMEOUT"]) + 2)
        assert rest(short, "GET", f"/api/runs/{run['id']}")["status"] == "paused"
        assert stalled.fileno() != -1  # the client never let go; the server did
    finally:
        stalled.close()


def test_sigterm_ends_the_server_with_a_train_and_a_websocket_in_flight() -> None:
    shutdown = 2.0
    env = {"PLAYGROUND_DEVICE": "cpu", "PLAYGROUND_SHUTDOWN_TIMEOUT": str(shutdown)}
    with live_server(env=env) as server:
        big = {"dataset": {"name": "circle", "n_points": 1000},
               "model": {"hidden_units": 256, "depth": 4}}
        run = rest(server, "POST", "/api/runs", big)
        watched = rest(server, "POST", "/api/runs", {})
        outcome: dict[str, object] = {}

        def train() -> None:  # 10,000 steps of this network take minutes on one core
            try:
                outcome["run"] = rest(server, "POST", f"/api/runs/{run['id']}/train",
                                      {"steps": 10_000}, timeout=600)
            except OSError as error:
                outcome["error"] = error

        trainer = threading.Thread(target=train, daemon=True)
        trainer.start()
        watcher = stalled_websocket(server, watched["id"])
        try:
            deadline = time.monotonic() + 20
            while rest(server, "GET", f"/api/runs/{run['id']}")["step"] == 0:
                assert time.monotonic() < deadline, "the train never started"
                time.sleep(0.1)
            sent = time.monotonic()
            os.kill(server.process.pid, signal.SIGTERM)
            try:
                server.process.wait(timeout=shutdown + 8)
            except subprocess.TimeoutExpired:
                pytest.fail(f"SIGTERM did not end the server within {shutdown + 8} s")
            assert time.monotonic() - sent < shutdown + 8
            assert "run" not in outcome  # the train was cut short, not finished
        finally:
            watcher.close()
        trainer.join(10)


def test_the_defaults_let_a_thousand_watchers_in() -> None:
    settings = Settings()
    assert settings.max_connections >= 1000 + 100  # one run's watchers, plus REST and the page
    assert settings.header_timeout > 0 and settings.send_timeout > 0
