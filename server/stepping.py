"""The train phase of a pass of the training thread: every active group gets its fair slice
(server/slices.py) and steps; a failing step is traced to the run that causes it.

Runs on the training thread only; counts steps through the run service, fails runs through
Watching. No frames, no commands, no clock but perf_counter for what the slices cost.
"""

from __future__ import annotations

import time
from typing import Any

from server.records import RunRecord
from server.registry import Registry
from server.service import RunService
from server.settings import Settings
from server.slices import Slices
from server.watching import Watching


class Stepping:
    """Steps the groups of `registry` in fair slices."""

    def __init__(self, settings: Settings, registry: Registry, runs: RunService,
                 watching: Watching) -> None:
        self.settings = settings
        self.registry, self.runs, self.watching = registry, runs, watching
        self.slices = Slices()

    def train(self, frame_seconds: float, frame_interval: float,
              now: float | None = None) -> None:
        """One train phase. `frame_seconds`: what the last frame phase took (training gets at
        least as much); `frame_interval`: 1 / frame rate (a pass should fit in it); `now`
        (monotonic): when the paced runs' owed steps are counted."""
        now = time.monotonic() if now is None else now
        runs = self.registry.runs
        for record in runs.values():
            if (record.diverged or record.error) and (record.playing
                                                      or record.work.train_remaining):
                self.runs.stop(record)
        active = {}
        for key, group in self.registry.groups.items():
            # a paced run with no step owed waits outside the slices: it costs nothing
            members = [runs[r] for r in group.run_ids if runs[r].active
                       and (not runs[r].paced or runs[r].pace.owed(now))]
            if members:
                active[key] = members
        self.slices.idle(set(active))
        if not active:
            return
        quantum = max(0.001, min(self.settings.slice_seconds, frame_interval / len(active)),
                      frame_seconds / len(active))
        for key, members in active.items():
            chunk, steps = self.slices.plan(key, members, quantum)
            paced = {record: min(steps, record.pace.owed(now)) for record in chunk
                     if record.paced}
            batches: dict[int, list[RunRecord]] = {}  # the runs that take n steps, by n
            for record in chunk:
                n = (paced[record] if record in paced else steps if record.playing
                     else min(steps, record.work.train_remaining))
                batches.setdefault(n, []).append(record)
            for n, batch in batches.items():
                self._step(key, batch, n)
            for record, n in paced.items():
                record.pace.took(n, now)

    def _step(self, key: Any, batch: list[RunRecord], n: int) -> None:
        """n steps of these runs of one group; a failure is traced to the runs that cause it."""
        group = self.registry.groups[key]
        started = time.perf_counter()
        try:
            group.step(n, [r.id for r in batch])
        except Exception as error:  # noqa: BLE001 - whatever it is, it belongs to these runs
            self.slices.book(key, 0, 0, time.perf_counter() - started)
            if len(batch) == 1:
                self.watching.fail(batch[0], error, "training")
                return
            for record in batch:  # which of them? each alone, one step
                try:
                    group.step(1, [record.id])
                except Exception as alone:  # noqa: BLE001
                    self.watching.fail(record, alone, "training")
                else:
                    self.runs.stepped(record, 1)
            return
        self.slices.book(key, len(batch), n, time.perf_counter() - started)
        for record in batch:
            self.runs.stepped(record, n)

    def forget(self) -> None:
        """Drop the accounts of groups that no longer exist."""
        self.slices.forget(set(self.registry.groups))
