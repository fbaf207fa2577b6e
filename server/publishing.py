"""The frame phase of a pass of the training thread: which watched runs are due a frame, what they
are built from (statuses, new history, weights, read per group in one transfer), and handing the
frames to `deliver`. A run whose frame fails is failed alone; its neighbours get theirs.

Runs on the training thread only; the views themselves are FrameBuilder's (pure).
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from server import bridge
from server.frames import NULL_FUNCTION, FrameBuilder
from server.records import RunRecord
from server.registry import Registry
from server.slot import dumps
from server.watching import Deliver, Watching

log = logging.getLogger(__name__)
FRAME_COST_FACTOR = 8  # a run's frame interval is at least this many times its picture's cost
NO_ROWS = np.zeros((3, 0))


class Publishing:
    """Frames for the watched runs of `registry`, at most `frame_rate` per run and second."""

    def __init__(self, registry: Registry, frames: FrameBuilder, watching: Watching,
                 deliver: Deliver, frame_interval: float) -> None:
        self.registry, self.frames, self.watching = registry, frames, watching
        self.deliver, self.interval = deliver, frame_interval

    def publish(self, now: float) -> None:
        runs = self.registry.runs
        for group in list(self.registry.groups.values()):
            due = [r for r in group.run_ids if self._due(runs[r], now)]
            if not due:
                continue
            statuses, history, layers = self._read(group, due)
            for run_id in due:
                record = runs[run_id]
                if run_id not in statuses and not record.error:
                    continue  # it failed while being read: it is urgent for the next pass
                try:
                    self._frame(record, group, statuses.get(run_id), history.get(run_id),
                                layers.get(run_id), now)
                except Exception as error:  # noqa: BLE001 - this run's frame, nobody else's
                    self.watching.fail(record, error, "drawing")
                    try:
                        self._frame(record, group, None, None, None, now)  # status and error
                    except Exception:  # noqa: BLE001 - not even that: its watchers are closed
                        log.exception("a failed run cannot be shown; closing its watchers")
                        self.watching.close(record, self.frames.error(record.error, "status"))

    @staticmethod
    def _due(record: RunRecord, now: float) -> bool:
        watch = record.watch
        return bool(watch.slots) and watch.dirty and (watch.urgent or now >= watch.next_frame)

    def _read(self, group: Any, due: list[str]) -> tuple[dict, dict, dict]:
        """Statuses, new history and layers of the due runs; a run that breaks them is failed."""
        try:
            return group.statuses(due), group.drain_history(due), group.layers(due)
        except Exception:  # noqa: BLE001 - trace it to its run
            statuses, history, layers = {}, {}, {}
            for run_id in due:
                one = [run_id]
                try:
                    status, rows, weights = (group.statuses(one), group.drain_history(one),
                                             group.layers(one))
                except Exception as error:  # noqa: BLE001
                    self.watching.fail(self.registry.runs[run_id], error, "reading")
                else:
                    statuses.update(status)
                    history.update(rows)
                    layers.update(weights)
            return statuses, history, layers

    def _frame(self, record: RunRecord, group: Any, status: Any, history: Any, layers: Any,
               now: float) -> None:
        """Build and hand over one frame; a failed run's frame has no function."""
        watch = record.watch
        if status is not None:
            record.status = status
        if record.diverged and record.playing:
            record.playing = False
        if history is not None:
            watch.pending_rows.append(bridge.history_rows(history))
        function = NULL_FUNCTION
        if layers is not None and not record.error:
            if status is not None:
                record.trajectory.add(status.step, layers)  # the landscape's path
            function = self.frames.function(record, layers, group)
            self.watching.keep(record, function)
        record.rate.refresh(now)
        run = dumps(self.frames.run(record))
        rows = np.concatenate(watch.pending_rows, axis=1) if watch.pending_rows else NO_ROWS
        watch.pending_rows = []
        # due times advance by the interval, so the average rate is the configured one; an
        # expensive picture (a deep net's 2-D region map) gets fewer frames, so one run never
        # takes more than about 1/FRAME_COST_FACTOR of the thread
        watch.next_frame = max(watch.next_frame + self.interval, now + 0.75 * self.interval,
                               now + FRAME_COST_FACTOR * watch.function_seconds)
        watch.dirty = watch.urgent = False
        for slot in watch.slots:
            self.deliver(slot.offer_frame, run, function.json, rows)
