"""A websocket client's latest-only slot: the producer overwrites, the sender takes what is there.

Lives on the event loop; the training thread reaches it only via loop.call_soon_threadsafe. It never
blocks the producer and holds at most one frame, a bounded loss-history backlog and a few notices.
"""

from __future__ import annotations

import asyncio
from collections import deque

import numpy as np
import orjson

MAX_BACKLOG = 4096  # history points held for a client that does not read; beyond: resync snapshot
MAX_NOTICES = 16
EMPTY_HISTORY = np.zeros((3, 0))


def dumps(value: object) -> bytes:
    """JSON bytes; numpy arrays natively, NaN/inf become null."""
    return orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY)


class Slot:
    """Pending output for one client. `offer_*` are called on the loop; `take` by the sender."""

    def __init__(self) -> None:
        self.event = asyncio.Event()
        self.notices: deque[bytes] = deque(maxlen=MAX_NOTICES)  # errors, in order
        self.snapshot: bytes | None = None
        self.frame: tuple[bytes, bytes] | None = None  # (run JSON, function JSON)
        self.history: list[np.ndarray] = []  # (3, n) step/train/test chunks not yet sent
        self.backlog = 0
        self.last_step = -1  # history points at or before this step were sent already
        self.closed = False
        self.needs_snapshot = False  # set when the backlog overflowed; the stream asks for one
        self.frames_dropped = 0

    def offer_snapshot(self, data: bytes, last_step: int) -> None:
        self.snapshot, self.frame, self.history, self.backlog = data, None, [], 0
        self.last_step = last_step
        self.needs_snapshot = False
        self.event.set()

    def offer_frame(self, run: bytes, function: bytes, history: np.ndarray) -> None:
        """history: (3, n) float64 rows step, train_loss, test_loss since the previous frame."""
        if self.frame is not None:
            self.frames_dropped += 1
        self.frame = (run, function)
        if history.shape[1]:
            self.history.append(history)
            self.backlog += history.shape[1]
            if self.backlog > MAX_BACKLOG:  # a stalled client: resync later instead of growing
                self.history, self.backlog, self.needs_snapshot = [], 0, True
        self.event.set()

    def offer_notice(self, data: bytes) -> None:
        self.notices.append(data)
        self.event.set()

    def close(self, final: bytes | None = None) -> None:
        if final is not None:
            self.notices.append(final)
        self.closed = True
        self.event.set()

    def take(self) -> list[bytes]:
        """Everything to send now, in order: notices, then a snapshot or a frame."""
        out = list(self.notices)
        self.notices.clear()
        if self.snapshot is not None:
            out.append(self.snapshot)
            self.snapshot = None
        if self.frame is not None and not self.needs_snapshot:
            out.append(self._frame_message())
        self.frame = None
        self.event.clear()
        return out

    def _frame_message(self) -> bytes:
        run, function = self.frame  # type: ignore[misc]
        chunks = self.history
        history = chunks[0] if len(chunks) == 1 else (
            np.concatenate(chunks, axis=1) if chunks else EMPTY_HISTORY)
        if history.shape[1] and history[0, 0] <= self.last_step:  # overlaps a snapshot
            history = history[:, history[0] > self.last_step]
        self.history, self.backlog = [], 0
        if history.shape[1]:
            self.last_step = int(history[0, -1])
        return dumps(
            {
                "type": "frame",
                "run": orjson.Fragment(run),
                "history": {
                    "step": history[0].astype(np.int64),
                    "train_loss": history[1].astype(np.float32),
                    "test_loss": history[2].astype(np.float32),
                },
                "function": orjson.Fragment(function),
            }
        )
