"""Frames and snapshots: what the training thread sends to websocket clients (Scheduler mixin).

Runs on the training thread; reaches the event loop only through one call_soon_threadsafe per
loop iteration (`_flush`). Never waits on a client: slots on the loop side keep the latest only.
"""

from __future__ import annotations

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
            statuses = group.statuses(due)
            history = group.drain_history(due)
            layers = group.layers(due)
            for run_id in due:
                entry = runs[run_id]
                entry.status = statuses[run_id]
                if entry.diverged and entry.playing:
                    entry.playing = False
                entry.pending_rows.append(bridge.history_rows(history[run_id]))
                function = self._function_json(entry, layers[run_id])
                run = dumps(self._run_view(entry))
                rows = np.concatenate(entry.pending_rows, axis=1)
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
        if entry.diverged:
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

    def _run_view(self: Scheduler, entry: RunEntry) -> dict[str, Any]:
        now = time.monotonic()
        elapsed = now - entry.window_start
        if elapsed >= RATE_WINDOW:
            entry.steps_per_second = entry.window_steps / elapsed
            entry.window_steps, entry.window_start = 0, now
        if entry.static is None:
            entry.static = bridge.run_static(entry.id, entry.config, entry.engine.model,
                                             self.device)
        return bridge.run_view(entry.static, entry.status, entry.playing, entry.steps_per_second,
                               entry.linear_regions)

    def _deliver(self: Scheduler, method: Callable, *args: Any) -> None:
        self._deliveries.append((method, args))

    def _flush(self: Scheduler) -> None:
        """Hand this iteration's messages to the event loop in one wake-up."""
        if self._deliveries and self._loop is not None and not self._loop.is_closed():
            batch, self._deliveries = self._deliveries, []
            self._loop.call_soon_threadsafe(_apply, batch)

    # ---- snapshots (thread) ----
    def snapshot(self: Scheduler, entry: RunEntry) -> tuple[bytes, int]:
        """A full snapshot message for `entry` and the last history step it holds."""
        group = self.registry.group(entry)
        entry.status = group.statuses([entry.id])[entry.id]
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
        entry.pending_rows.append(bridge.history_rows(group.drain_history([entry.id])[entry.id]))
        message, last_step = self.snapshot(entry)
        for slot in slots:
            self._deliver(slot.offer_snapshot, message, last_step)

    def resnapshot_by_id(self: Scheduler, run_id: str, slot: Slot) -> None:
        entry = self.registry.runs.get(run_id)
        if entry is not None and slot in entry.subscribers:
            self.resnapshot(entry, [slot])

    def close_watchers(self: Scheduler, entry: RunEntry) -> None:
        for slot in entry.subscribers:
            self._deliver(slot.close, DELETED)
        entry.subscribers = []


def _apply(batch: list[tuple[Callable, tuple]]) -> None:
    for method, args in batch:
        method(*args)
