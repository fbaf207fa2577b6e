"""A run's audience and its failures: subscribing (all or nothing), snapshots, notices, closing the
watchers, and `fail`, which keeps a failure with the run that caused it.

Runs on the training thread; hands every message to `deliver` (the thread sends them to the event
loop in one batch per pass) and never waits on a client.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from server import bridge
from server.errors import ApiError
from server.frames import NULL_FUNCTION, FrameBuilder, FunctionView
from server.records import RunRecord
from server.registry import Registry
from server.slot import Slot, dumps

log = logging.getLogger(__name__)
DELETED = dumps({"type": "deleted"})
Deliver = Callable[..., None]  # deliver(method, *args): call method(*args) on the event loop


class Watching:
    """Watchers of runs, snapshots for them, and failing a run."""

    def __init__(self, registry: Registry, frames: FrameBuilder, deliver: Deliver) -> None:
        self.registry = registry
        self.frames = frames
        self.deliver = deliver

    # ---- failures ----
    def fail(self, record: RunRecord, error: BaseException, doing: str) -> None:
        """`record` broke while the thread was `doing` something with it: pause and mark it,
        answer its waiters and tell its watchers; nothing else is affected."""
        log.error("a run failed while %s: %s: %s", doing, type(error).__name__, error,
                  exc_info=error)
        log.debug("the failed run is %s", record.id)
        text = f"{type(error).__name__}: {error}"
        record.error = f"the server failed while {doing} this run ({text[:200]})"
        record.playing, record.work.train_remaining = False, 0
        self.finish_training(record)
        self.notify(record, record.error, "status")

    def finish_training(self, record: RunRecord, view: Callable[[], Any] | None = None) -> None:
        """Its queued steps are done (or dropped): answer the waiting requests with `view()`
        (the run), or with a 409 when it failed; watchers see the finished state at once."""
        record.watch.dirty = record.watch.urgent = True
        if not record.work.waiters:
            return
        if record.error:
            record.work.answer(error=ApiError(409, f"the run failed: {record.error}; reset it",
                                              "status"))
            return
        try:
            outcome = view() if view is not None else self.frames.run(record)
        except Exception as error:  # noqa: BLE001 - handed to the waiting requests
            record.work.answer(error=ApiError(409, f"the run failed ({type(error).__name__})",
                                              "status"))
            return
        record.work.answer(outcome)

    # ---- watchers ----
    def subscribe(self, run_id: str, slot: Slot) -> None:
        """Watch a run: its snapshot is built first, so a failure subscribes nobody."""
        record = self.registry.get(run_id)
        self._drain(record)
        snapshot = self.snapshot(record)
        record.watch.slots.append(slot)
        self.deliver(slot.offer_snapshot, snapshot.message, snapshot.last_step)

    def unsubscribe(self, run_id: str, slot: Slot) -> None:
        record = self.registry.runs.get(run_id)
        if record is not None and slot in record.watch.slots:
            record.watch.slots.remove(slot)
            record.watch.last_watched = record.last_activity = time.monotonic()

    def snapshot(self, record: RunRecord):
        """A snapshot of `record`. If its function cannot be drawn the run is failed and the
        snapshot carries none; if even that cannot be built, this raises."""
        group = self.registry.group(record)
        try:
            function = NULL_FUNCTION
            if not record.error:
                record.status = group.statuses([record.id])[record.id]
                function = self.frames.function(record, group.layers([record.id])[record.id],
                                                group)
                self.keep(record, function)
            return self.frames.snapshot(record, group, group.history(record.id), function)
        except Exception as error:  # noqa: BLE001 - the run's fault, not the watcher's
            if record.error:
                raise
            self.fail(record, error, "drawing")
            return self.frames.snapshot(record, group, group.history(record.id), NULL_FUNCTION)

    def keep(self, record: RunRecord, function: FunctionView) -> None:
        """Remember what drawing the function learned: its regions and its cost."""
        if function.json != b"null":
            record.linear_regions = function.regions
            record.regions_step = record.status.step if record.status is not None else -1
        watch = record.watch
        watch.function_seconds = 0.7 * watch.function_seconds + 0.3 * function.seconds

    def resnapshot(self, record: RunRecord, slots: list[Slot] | None = None) -> None:
        """Send a fresh snapshot to these slots (default: every watcher), e.g. after a reset."""
        slots = record.watch.slots if slots is None else slots
        if not slots:
            return
        self._drain(record)
        snapshot = self.snapshot(record)
        for slot in slots:
            self.deliver(slot.offer_snapshot, snapshot.message, snapshot.last_step)

    def resnapshot_for(self, run_id: str, slot: Slot) -> None:
        """A watcher fell too far behind for deltas: a fresh snapshot for it alone."""
        record = self.registry.runs.get(run_id)
        if record is not None and slot in record.watch.slots:
            self.resnapshot(record, [slot])

    def _drain(self, record: RunRecord) -> None:
        """History recorded since the last frame goes to the next frame (a snapshot holds it)."""
        if not record.error:
            drained = self.registry.group(record).drain_history([record.id])[record.id]
            record.watch.pending_rows.append(bridge.history_rows(drained))

    def notify(self, record: RunRecord, message: str, field: str | None) -> None:
        """An `error` message to every watcher of `record`."""
        self.tell(record, self.frames.error(message, field))

    def tell(self, record: RunRecord, data: bytes) -> None:
        """A notice (a serialised message) to every watcher of `record`, before its next frame."""
        for slot in record.watch.slots:
            self.deliver(slot.offer_notice, data)

    def close(self, record: RunRecord, final: bytes = DELETED) -> None:
        """Close every watcher's stream with a last message (default: `deleted`)."""
        for slot in record.watch.slots:
            self.deliver(slot.close, final)
        record.watch.slots = []
