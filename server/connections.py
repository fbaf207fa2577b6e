"""Connection hygiene for uvicorn: a deadline for request headers, an abort for peers that stop
reading, the connection cap for websockets too, and the open-file limit that lets max_connections
be reached. Only the transport layer: nothing here knows runs, routes or the scheduler, and
uvicorn keeps parsing HTTP and websockets itself.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from uvicorn.protocols.http.auto import AutoHTTPProtocol
from uvicorn.protocols.websockets.auto import AutoWebSocketsProtocol

log = logging.getLogger(__name__)
FILE_RESERVE = 256  # descriptors beyond the connections: the listener, libraries, logs, pipes
REFUSED = (b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain; charset=utf-8\r\n"
           b"content-length: 19\r\nconnection: close\r\n\r\nService Unavailable")
if AutoWebSocketsProtocol is None:  # uvicorn[standard] brings websockets; refuse to run without
    raise ImportError("uvicorn found no websocket library: install uvicorn[standard]")


class StallGuard:
    """Mixin for a uvicorn protocol: abort the connection when its peer leaves our writes unread.

    The transport pauses writing when its buffer passes the high-water mark; a send waits until it
    drains. If it has not drained after `send_timeout` seconds the client has stopped reading, and
    a clean close cannot reach it: the close frame would queue behind the unread bytes, and
    `transport.close()` waits for those to drain, which never happens. Abort frees the socket now,
    and uvicorn reports a disconnect to the app (a websocket's watcher is then unsubscribed).
    """

    send_timeout: float = 10.0
    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport
    _stall_timer: asyncio.TimerHandle | None = None

    def pause_writing(self) -> None:
        super().pause_writing()  # type: ignore[misc]
        if self._stall_timer is None:
            self._stall_timer = self.loop.call_later(self.send_timeout, self._abort_stalled)

    def resume_writing(self) -> None:
        self._cancel_stall_timer()
        super().resume_writing()  # type: ignore[misc]

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_stall_timer()
        super().connection_lost(exc)  # type: ignore[misc]

    def _cancel_stall_timer(self) -> None:
        if self._stall_timer is not None:
            self._stall_timer.cancel()
            self._stall_timer = None

    def _abort_stalled(self) -> None:
        self._stall_timer = None
        log.info("%s left %d bytes unread for %.0f s: connection aborted", _peer(self),
                 self.transport.get_write_buffer_size(), self.send_timeout)
        self.transport.abort()


class GuardedHTTPProtocol(StallGuard, AutoHTTPProtocol):  # type: ignore[valid-type, misc]
    """uvicorn's HTTP protocol (httptools or h11, whichever it picks) with a header deadline, and
    its connection cap (limit_concurrency) applied to websocket upgrades too.

    The deadline starts when the connection opens and again when an idle keep-alive connection
    starts a new request (uvicorn then cancels its keep-alive timer, so a half-sent second request
    would otherwise hold the socket forever). It ends when the parser has the whole request head
    (a new request cycle, or the websocket upgrade); when it passes first, the socket is closed.
    """

    header_timeout: float = 10.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_timer()

    def data_received(self, data: bytes) -> None:
        if self.timeout_keep_alive_task is not None:  # idle between requests: a new one begins
            self._arm_header_timer()
        cycle = self.cycle
        super().data_received(data)
        if self.cycle is not cycle:  # the parser started a request cycle: its head is complete
            self._cancel_header_timer()

    def handle_websocket_upgrade(self, *args: Any) -> None:
        self._cancel_header_timer()  # the websocket protocol takes the transport over
        limit = self.limit_concurrency  # uvicorn applies it to plain requests only
        if limit is not None and (len(self.connections) >= limit or len(self.tasks) >= limit):
            log.warning("max_connections = %d reached: websocket refused with 503", limit)
            self.transport.write(REFUSED)
            self.transport.close()
            return
        super().handle_websocket_upgrade(*args)

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_timer()
        super().connection_lost(exc)

    def _arm_header_timer(self) -> None:
        self._cancel_header_timer()
        self._header_timer = self.loop.call_later(self.header_timeout, self._header_deadline)

    def _cancel_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _header_deadline(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing():
            # debug, not info: an attack of many idle sockets must not flood the log too
            log.debug("%s sent no complete request head within %.0f s: closed", _peer(self),
                      self.header_timeout)
            self.transport.close()


class GuardedWebSocketProtocol(StallGuard, AutoWebSocketsProtocol):  # type: ignore[valid-type, misc]
    """uvicorn's websocket protocol (the one it picks) with the stall guard.

    Also when a keepalive ping goes unanswered: uvicorn then closes the transport, which waits for
    the unread frames to drain and so never ends for a client that stopped reading; abort instead.
    """

    def keepalive_timeout(self) -> None:
        super().keepalive_timeout()
        if self.transport.is_closing() and self.transport.get_write_buffer_size():
            log.info("%s answered no ping and left frames unread: connection aborted",
                     _peer(self))
            self.transport.abort()


def http_protocol(header_timeout: float, send_timeout: float) -> type[asyncio.Protocol]:
    """The class to pass as uvicorn's `http=`: request heads within `header_timeout` seconds,
    writes read within `send_timeout` seconds."""
    return type("GuardedHTTPProtocol", (GuardedHTTPProtocol,),
                {"header_timeout": header_timeout, "send_timeout": send_timeout})


def websocket_protocol(send_timeout: float) -> type[asyncio.Protocol]:
    """The class to pass as uvicorn's `ws=`: frames read within `send_timeout` seconds."""
    return type("GuardedWebSocketProtocol", (GuardedWebSocketProtocol,),
                {"send_timeout": send_timeout})


def raise_open_file_limit(wanted: int) -> tuple[int, int]:
    """Raise this process's soft RLIMIT_NOFILE to `wanted` descriptors, at most the hard limit;
    never lower it. Returns (soft, hard) as they are afterwards; (-1, -1) where there is none."""
    try:
        import resource
    except ImportError:  # Windows: no such limit
        return -1, -1
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError) as error:  # e.g. macOS caps below an infinite hard limit
            log.warning("could not raise the open-file limit to %d: %s", target, error)
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    return soft, hard


def _peer(protocol: object) -> str:
    client = getattr(protocol, "client", None)
    return f"{client[0]}:{client[1]}" if client else "a client"
