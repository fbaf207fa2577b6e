"""Fair shares of the training thread: which runs of a group step in this pass, and how many steps.

Deficit round-robin on measured time: every active group earns the same `quantum` of seconds per
pass and spends what its steps really took, so a group of huge runs gets its share and no more; a
group whose runs together exceed the quantum steps a rotating chunk of them, so one pass never
holds the thread much longer than one run's step. Pure bookkeeping: no torch, no clock, no runs.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import TypeVar

MAX_STEPS_PER_SLICE = 2000
BURST = 2.0  # credit is capped at this many slices: no burst after waiting
SMOOTHING = 0.3  # weight of the newest measurement in the running estimate

Run = TypeVar("Run")


@dataclass
class Share:
    """One group's account: unspent seconds, the measured cost of one run's step, the rotation."""

    credit: float = 0.0
    run_seconds: float | None = None  # seconds per step per run (a chunk's time / its size)
    cursor: int = 0


class Slices:
    """Plans each group's slice of a training pass and books what it cost."""

    def __init__(self) -> None:
        self.shares: dict[Hashable, Share] = {}

    def plan(self, key: Hashable, runs: Sequence[Run], quantum: float) -> tuple[list[Run], int]:
        """(the runs of group `key` to step in this pass, how many steps); ([], 0) when the group
        waits for credit. `runs`: its active runs in a stable order; quantum: seconds earned."""
        if not runs:
            return [], 0
        share = self.shares.setdefault(key, Share())
        if share.run_seconds is None:  # nothing measured yet: one step of one run, to learn
            share.cursor = (share.cursor + 1) % len(runs)
            return [runs[(share.cursor - 1) % len(runs)]], 1
        per_run = share.run_seconds
        size = len(runs)
        if per_run * size > quantum:  # all of them at once would hold the thread too long
            size = max(1, min(size, int(quantum / per_run)))
        start = share.cursor % len(runs)
        chunk = [runs[(start + i) % len(runs)] for i in range(size)]
        per_step = per_run * size
        share.credit = min(share.credit + quantum, BURST * max(quantum, per_step))
        steps = min(MAX_STEPS_PER_SLICE, int(share.credit / per_step))
        if steps < 1:
            return [], 0  # a step costs more than the credit: wait a pass, keep the turn
        share.cursor = (start + size) % len(runs)
        return chunk, steps

    def book(self, key: Hashable, runs: int, steps: int, seconds: float) -> None:
        """Charge `seconds` spent on `steps` steps of `runs` runs to group `key`."""
        share = self.shares.setdefault(key, Share())
        share.credit -= seconds
        if runs and steps:
            sample = seconds / (runs * steps)
            share.run_seconds = sample if share.run_seconds is None else (
                (1 - SMOOTHING) * share.run_seconds + SMOOTHING * sample)

    def idle(self, active: set[Hashable]) -> None:
        """Groups with nothing to train lose their credit: a pause earns no burst later."""
        for key, share in list(self.shares.items()):
            if key not in active:
                share.credit = 0.0

    def forget(self, existing: set[Hashable]) -> None:
        """Drop the accounts of groups that no longer exist."""
        for key in self.shares.keys() - existing:
            del self.shares[key]
