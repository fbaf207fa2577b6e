"""Frames and snapshots: what the training thread sends to websocket clients (Scheduler mixin).

Runs on the training thread; reaches the event loop only through one call_soon_threadsafe per
loop iteration (`_flush`). Never waits on a client: slots on the loop side keep the latest only.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import orjson

from server import bridge
from server.registry import RunEntry
from server.slot import Slot, dumps

if TYPE_CHECKING:
    from server.scheduler import Scheduler

log = logging.getLogger(__name__)
RATE_WINDOW = 0.5  # s over which steps/s is measured
FRAME_COST_FACTOR = 8  # a run's frame interval is at least this many times its function's cost
DELETED = dumps({"type": "deleted"})


class Publisher:
    """Builds frames for watched runs when due, snapshots on demand, and hands them over."""

    def _frame_phase(self: Scheduler) -> None:
        now = time.monotonic()
        runs = self.registry.runs
        for group in list(self.registry.groups.values()):
            due = [r for r in group.run_ids if runs[r].subscribers and runs[r].dirty
                   and (runs[r].urgent or now >= runs[r].next_frame)]
            if not due:
                continue
            statuses, history, layers = self._read(group, due)
            for run_id in due:
                entry = runs[run_id]
                if run_id not in statuses and not entry.error:
                    continue  # it failed while being read: fail() left it urgent for next pass
                try:
                    self._frame(entry, statuses.get(run_id), history.get(run_id),
                                layers.get(run_id), now)
                except Exception as error:  # noqa: BLE001 - this run's frame, nobody else's
                    self.fail(entry, error, "drawing")
                    try:
                        self._frame(entry, None, None, None, now)  # status and error only
                    except Exception:  # noqa: BLE001 - not even that: its watchers are closed
                        log.exception("a failed run cannot be shown; closing its watchers")
                        self.close_watchers(entry, self.error_message(entry.error, "status"))

    def _read(self: Scheduler, group: Any, due: list[str]) -> tuple[dict, dict, dict]:
        """Statuses, new history and layers of the due runs; a run that breaks them is failed."""
        try:
            return group.statuses(due), group.drain_history(due), group.layers(due)
        except Exception:  # noqa: BLE001 - trace it to its run
            statuses, history, layers = {}, {}, {}
            for run_id in due:
                try:
                    one = [run_id]
                    status, rows, weights = (group.statuses(one), group.drain_history(one),
                                             group.layers(one))
                except Exception as error:  # noqa: BLE001
                    self.fail(self.registry.runs[run_id], error, "reading")
                else:
                    statuses.update(status)
                    history.update(rows)
                    layers.update(weights)
            return statuses, history, layers

    def _frame(self: Scheduler, entry: RunEntry, status: Any, history: Any, layers: Any,
               now: float) -> None:
        """Build and hand over one frame; a failed run's frame has no function."""
        if status is not None:
            entry.status = status
        if entry.diverged and entry.playing:
            entry.playing = False
        if history is not None:
            entry.pending_rows.append(bridge.history_rows(history))
        function = b"null" if entry.error or layers is None else self._function_json(entry,
                                                                                     layers)
        run = dumps(self._run_view(entry))
        rows = (np.concatenate(entry.pending_rows, axis=1) if entry.pending_rows
                else np.zeros((3, 0)))
        entry.pending_rows = []
        # due times advance by the interval, so the average rate is the configured one
        # an expensive function (a deep net's 2-D region map) gets fewer frames, so one
        # run never takes more than about 1/FRAME_COST_FACTOR of this thread
        entry.next_frame = max(entry.next_frame + self.frame_interval,
                               now + 0.75 * self.frame_interval,
                               now + FRAME_COST_FACTOR * entry.function_seconds)
        entry.dirty = entry.urgent = False
        for slot in entry.subscribers:
            self._deliver(slot.offer_frame, run, function, rows)

    def _function_json(self: Scheduler, entry: RunEntry, layers: list) -> bytes:
        if entry.diverged or entry.error:
            return b"null"
        started = time.perf_counter()
        function, regions = bridge.function_view(
            layers, entry.engine.model.activation, self.registry.dataset(entry), entry.baseline,
            self.settings.grid_resolution)
        entry.linear_regions = regions
        entry.regions_step = entry.status.step if entry.status is not None else -1
        data = dumps(function)
        elapsed = time.perf_counter() - started
        entry.function_seconds = 0.7 * entry.function_seconds + 0.3 * elapsed
        return data

    def refresh_rate(self: Scheduler, entry: RunEntry) -> None:
        """Close the steps/s window when it is due (views only read the result)."""
        now = time.monotonic()
        elapsed = now - entry.window_start
        if elapsed >= RATE_WINDOW:
            entry.steps_per_second = entry.window_steps / elapsed
            entry.window_steps, entry.window_start = 0, now

    def _run_view(self: Scheduler, entry: RunEntry) -> dict[str, Any]:
        self.refresh_rate(entry)
        if entry.static is None:
            entry.static = bridge.run_static(entry.id, entry.config, entry.engine.model,
                                             self.device)
        return bridge.run_view(entry.static, entry.status, entry.playing, entry.steps_per_second,
                               entry.linear_regions, entry.error)

    def _deliver(self: Scheduler, method: Callable, *args: Any) -> None:
        self._deliveries.append((method, args))

    def _flush(self: Scheduler) -> None:
        """Hand this iteration's messages to the event loop in one wake-up."""
        if self._deliveries and self._loop is not None and not self._loop.is_closed():
            batch, self._deliveries = self._deliveries, []
            self._loop.call_soon_threadsafe(_apply, batch)

    @staticmethod
    def error_message(message: str | None, field: str | None) -> bytes:
        return dumps({"type": "error", "message": message or "", "field": field})

    def notify(self: Scheduler, entry: RunEntry, message: str, field: str | None) -> None:
        """An `error` message to every watcher of `entry`."""
        data = self.error_message(message, field)
        for slot in entry.subscribers:
            self._deliver(slot.offer_notice, data)

    # ---- snapshots (thread) ----
    def snapshot(self: Scheduler, entry: RunEntry) -> tuple[bytes, int]:
        """A full snapshot message for `entry` and the last history step it holds. If its
        function cannot be built the run is failed and the snapshot carries none; if even that
        cannot be built, this raises (the caller subscribes nobody)."""
        group = self.registry.group(entry)
        try:
            return self._snapshot(entry, group, with_function=True)
        except Exception as error:  # noqa: BLE001 - the run's fault, not the watcher's
            if entry.error:
                raise
            self.fail(entry, error, "drawing")
            return self._snapshot(entry, group, with_function=False)

    def _snapshot(self: Scheduler, entry: RunEntry, group: Any,
                  with_function: bool) -> tuple[bytes, int]:
        if not entry.error:
            entry.status = group.statuses([entry.id])[entry.id]
        function = b"null"
        if with_function and not entry.error:
            function = self._function_json(entry, group.layers([entry.id])[entry.id])
        history = group.history(entry.id)
        if entry.data_json is None:
            entry.data_json = dumps(bridge.data_view(group.dataset(entry.id)))
        message = dumps({
            "type": "snapshot", "run": self._run_view(entry),
            "data": orjson.Fragment(entry.data_json), "history": bridge.history_view(history),
            "function": orjson.Fragment(function),
        })
        steps = np.asarray(history.step)
        return message, int(steps[-1]) if len(steps) else -1

    def resnapshot(self: Scheduler, entry: RunEntry, slots: list[Slot] | None = None) -> None:
        """Send a fresh snapshot to these slots (default: every watcher), e.g. after a reset."""
        slots = entry.subscribers if slots is None else slots
        if not slots:
            return
        group = self.registry.group(entry)
        if not entry.error:
            drained = group.drain_history([entry.id])[entry.id]
            entry.pending_rows.append(bridge.history_rows(drained))
        message, last_step = self.snapshot(entry)
        for slot in slots:
            self._deliver(slot.offer_snapshot, message, last_step)

    def resnapshot_by_id(self: Scheduler, run_id: str, slot: Slot) -> None:
        entry = self.registry.runs.get(run_id)
        if entry is not None and slot in entry.subscribers:
            self.resnapshot(entry, [slot])

    def close_watchers(self: Scheduler, entry: RunEntry, final: bytes = DELETED) -> None:
        for slot in entry.subscribers:
            self._deliver(slot.close, final)
        entry.subscribers = []


def _apply(batch: list[tuple[Callable, tuple]]) -> None:
    for method, args in batch:
        method(*args)
