"""One websocket connection's commands that arrived and are not applied yet, in order.

Consecutive `update`s merge into one (the latest value of each field wins), at most MAX_PENDING
wait, and what still waits when the connection closes is dropped, never applied. Lives on the
event loop; it never calls the scheduler (the stream's applier task does).
"""

from __future__ import annotations

import asyncio
from collections import deque

from server.schemas import ClientMessage, RunConfigPatch, UpdateMessage

MAX_PENDING = 32  # a client that is this far ahead of the server gets errors, not a queue


def merge_updates(older: UpdateMessage, newer: UpdateMessage) -> UpdateMessage:
    """One update equal to applying `older`, then `newer`: per section, newer fields win."""
    merged = older.config.model_dump(exclude_unset=True)
    for section, values in newer.config.model_dump(exclude_unset=True).items():
        if values is not None:  # a null section changes nothing (op_patch skips it too)
            merged[section] = {**(merged.get(section) or {}), **values}
    return UpdateMessage(type="update", config=RunConfigPatch.model_validate(merged))


class Mailbox:
    """Pending commands of one client. `put` is the receiver's, `get` and `retry_first` the
    applier's, `close` the connection's end."""

    def __init__(self, limit: int = MAX_PENDING) -> None:
        self.limit = limit
        self.closed = False
        self._pending: deque[ClientMessage] = deque()
        self._ready = asyncio.Event()

    def __len__(self) -> int:
        return len(self._pending)

    def put(self, message: ClientMessage) -> bool:
        """Queue `message`; an update right behind a waiting update merges into it (so a flood
        of updates costs one). False when `limit` commands already wait or the box is closed:
        the message is dropped and the caller tells the client."""
        if self.closed:
            return False
        last = self._pending[-1] if self._pending else None
        if isinstance(message, UpdateMessage) and isinstance(last, UpdateMessage):
            self._pending[-1] = merge_updates(last, message)
        elif len(self._pending) >= self.limit:
            return False
        else:
            self._pending.append(message)
        self._ready.set()
        return True

    def retry_first(self, update: UpdateMessage) -> None:
        """Put an update the server refused for now back in front; an update that waits right
        behind it arrived later, so its fields win. Later updates keep merging into it."""
        if self.closed:
            return
        first = self._pending[0] if self._pending else None
        if isinstance(first, UpdateMessage):
            self._pending[0] = merge_updates(update, first)
        else:
            self._pending.appendleft(update)
        self._ready.set()

    async def get(self) -> ClientMessage | None:
        """The next command, waiting until there is one; None once the box is closed."""
        while not self._pending and not self.closed:
            self._ready.clear()
            await self._ready.wait()
        return None if self.closed else self._pending.popleft()

    def close(self) -> int:
        """Drop every waiting command (none of them will be applied) and wake `get`; returns
        how many were dropped."""
        dropped = len(self._pending)
        self._pending.clear()
        self.closed = True
        self._ready.set()
        return dropped
