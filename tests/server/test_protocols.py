"""server/connections.py's protocol classes on a fake transport, for the paths a live test cannot
reach on cue: writes that stay paused, a ping that goes unanswered with frames still unread."""

from __future__ import annotations

import asyncio

import pytest
from uvicorn.config import Config
from uvicorn.server import ServerState

from server.connections import http_protocol, websocket_protocol


class FakeTransport(asyncio.Transport):
    """Records close/abort. With `buffered` bytes the peer does not read: writes stay unsent;
    without, the peer keeps up and every write is sent at once."""

    def __init__(self, buffered: int = 0) -> None:
        super().__init__()
        self.buffered, self.closing, self.aborted = buffered, False, False
        self.stalled = buffered > 0

    def get_extra_info(self, name: str, default: object = None) -> object:
        return {"peername": ("127.0.0.1", 5000), "sockname": ("127.0.0.1", 8000)}.get(name)

    def write(self, data: bytes) -> None:
        if self.stalled:
            self.buffered += len(data)

    def get_write_buffer_size(self) -> int:
        return self.buffered

    def is_closing(self) -> bool:
        return self.closing or self.aborted

    def close(self) -> None:
        self.closing = True  # a real transport now waits for the buffer to drain

    def abort(self) -> None:
        self.aborted = True

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


async def nothing(scope: dict, receive: object, send: object) -> None:
    pass


def protocol(kind: str, send_timeout: float, transport: FakeTransport):
    config = Config(app=nothing, ws_ping_interval=None)
    config.load()
    cls = (http_protocol(5.0, send_timeout) if kind == "http"
           else websocket_protocol(send_timeout))
    instance = cls(config=config, server_state=ServerState(), app_state={},
                   _loop=asyncio.get_running_loop())
    instance.connection_made(transport)
    return instance


@pytest.mark.parametrize("kind", ["http", "ws"])
async def test_writes_paused_past_the_send_timeout_abort_the_connection(kind: str) -> None:
    transport = FakeTransport(buffered=1 << 20)
    instance = protocol(kind, 0.05, transport)
    instance.pause_writing()
    await asyncio.sleep(0.2)
    assert transport.aborted


@pytest.mark.parametrize("kind", ["http", "ws"])
async def test_writes_that_drain_in_time_keep_the_connection(kind: str) -> None:
    transport = FakeTransport()
    instance = protocol(kind, 0.1, transport)
    for _ in range(3):  # a slow reader that keeps up, paused and resumed again and again
        instance.pause_writing()
        await asyncio.sleep(0.05)
        instance.resume_writing()
    await asyncio.sleep(0.15)
    assert not transport.aborted and not transport.closing


async def test_an_unanswered_ping_with_unread_frames_aborts() -> None:
    transport = FakeTransport(buffered=50_000)  # under the high-water mark: writes not paused
    instance = protocol("ws", 10.0, transport)
    instance.keepalive_timeout()
    assert transport.closing and transport.aborted


async def test_an_unanswered_ping_with_nothing_unread_closes_cleanly() -> None:
    transport = FakeTransport()
    instance = protocol("ws", 10.0, transport)
    instance.keepalive_timeout()
    assert transport.closing and not transport.aborted
