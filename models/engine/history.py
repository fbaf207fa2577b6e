"""Loss-curve bookkeeping for RunGroup: device buffers that take what the step loop evaluated,
without any host sync, and the host archive they are collected into (LossHistory holds both).

Nothing here trains or evaluates. A run without a test set records NaN as its test loss: the only
NaN a History holds (the wire writes it as null); a non-finite loss of a real set drops the point.
"""

from dataclasses import dataclass

import numpy as np
import torch

from models.engine.records import HISTORY_LIMIT, History
from models.engine.stepper import Evaluation

Tensor = torch.Tensor
PENDING_LIMIT = 4096  # device-side points per run before a step() call collects them first
INITIAL_CAPACITY = 64


@dataclass
class PendingHistory:
    """Points recorded on the device and not yet collected; row r belongs to run r."""

    losses: Tensor  # (R, C, 2) float32 full train-set and test-set loss
    steps: Tensor  # (R, C) int64 the step of each point
    count: Tensor  # (R,) int64 points held (the next free column)

    @classmethod
    def empty(cls, runs: int, capacity: int, device: torch.device) -> "PendingHistory":
        return cls(torch.zeros(runs, capacity, 2, device=device),
                   torch.zeros(runs, capacity, dtype=torch.int64, device=device),
                   torch.zeros(runs, dtype=torch.int64, device=device))

    @property
    def capacity(self) -> int:
        return self.losses.shape[1]

    def append(self, other: "PendingHistory") -> "PendingHistory":
        return PendingHistory(torch.cat([self.losses, other.losses]),
                              torch.cat([self.steps, other.steps]),
                              torch.cat([self.count, other.count]))

    def gather(self, index: Tensor) -> "PendingHistory":
        return PendingHistory(self.losses[index], self.steps[index], self.count[index])

    def record(self, index: Tensor, steps: Tensor, losses: Tensor, recorded: Tensor) -> None:
        """Store losses (R', 2) at steps (R',) for the runs `index` (R',) where recorded is 1.

        Runs with recorded 0 write into their next free column without claiming it: no branching.
        """
        position = self.count[index]
        self.losses[index, position] = losses
        self.steps[index, position] = steps
        self.count[index] = position + recorded.to(torch.int64)

    def make_room(self, needed: int) -> None:
        """Grow the buffers so every run has `needed` columns."""
        if needed <= self.capacity:
            return
        grow = max(needed, 2 * self.capacity) - self.capacity
        runs, device = self.losses.shape[0], self.losses.device
        self.losses = torch.cat([self.losses, torch.zeros(runs, grow, 2, device=device)], 1)
        self.steps = torch.cat(
            [self.steps, torch.zeros(runs, grow, dtype=torch.int64, device=device)], 1)

    def collect(self, rows: np.ndarray, has_test: np.ndarray) -> list[History]:
        """Move the points of these runs to the host and empty their buffers.

        has_test (R',) bool: whether each run has a test set (else its test loss becomes NaN).
        Points whose training loss, or real test loss, is not finite are dropped.
        """
        index = torch.as_tensor(rows, device=self.losses.device)
        counts = self.count[index].cpu().numpy()
        width = int(counts.max()) if len(counts) else 0
        result = []
        if width > 0:
            losses = self.losses[index, :width].double().cpu().numpy()  # (R', width, 2)
            steps = self.steps[index, :width].cpu().numpy()
        for position, count in enumerate(counts):
            if count == 0:
                result.append(History.empty())
                continue
            train, test = losses[position, :count, 0], losses[position, :count, 1]
            if has_test[position]:
                keep = np.isfinite(train) & np.isfinite(test)
            else:
                keep, test = np.isfinite(train), np.full(count, np.nan)
            result.append(History(steps[position, :count][keep], train[keep], test[keep]))
        self.count[index] = 0
        return result


class Archive:
    """Every run's collected history on the host, and how much of it drain() has handed out."""

    def __init__(self) -> None:
        self.points: dict[str, History] = {}
        self.cursor: dict[str, int] = {}

    def start(self, run_id: str, history: History | None = None, seen: bool = False) -> None:
        self.points[run_id] = history if history is not None else History.empty()
        self.cursor[run_id] = len(self.points[run_id]) if seen else 0

    def forget(self, run_id: str) -> None:
        del self.points[run_id], self.cursor[run_id]

    def extend(self, run_id: str, new: History) -> None:
        points = self.points[run_id].concat(new)
        if len(points) > HISTORY_LIMIT:
            points = points.slice(0, None, 2)
            self.cursor[run_id] = (self.cursor[run_id] + 1) // 2
        self.points[run_id] = points

    def drain(self, run_id: str) -> History:
        new = self.points[run_id].slice(self.cursor[run_id])
        self.cursor[run_id] = len(self.points[run_id])
        return new


class LossHistory:
    """Every run's loss curve, by row (as the group's rows) and by run id (the archive)."""

    def __init__(self, eval_every: int, device: torch.device) -> None:
        self.eval_every, self.device = eval_every, device
        self.pending: PendingHistory | None = None  # None while there are no runs
        self.waiting = np.zeros(0, np.int64)  # (R,) points on the device not collected, at most
        self.archive = Archive()

    def add(self, run_id: str, history: History | None = None) -> None:
        """A new last row; `history`: points the run already has (seen: drain() skips them)."""
        capacity = self.pending.capacity if self.pending is not None else INITIAL_CAPACITY
        row = PendingHistory.empty(1, capacity, self.device)
        self.pending = row if self.pending is None else self.pending.append(row)
        self.waiting = np.append(self.waiting, 0)
        self.archive.start(run_id, history, seen=history is not None)

    def remove(self, run_id: str, kept: np.ndarray) -> None:
        """Forget run_id; rows `kept` stay, in that order."""
        self.pending = (self.pending.gather(torch.as_tensor(kept, device=self.device))
                        if len(kept) else None)
        self.waiting = self.waiting[kept]
        self.archive.forget(run_id)

    def last_point(self, run_id: str) -> tuple[float | None, float | None]:
        """The archived run's last train and test loss (None: no point, or no test set)."""
        points = self.archive.points[run_id]
        if len(points) == 0:
            return None, None
        test = float(points.test_loss[-1])
        return float(points.train_loss[-1]), test if np.isfinite(test) else None

    def restart(self, row: int, run_id: str) -> None:
        """An empty curve for the run at `row` (a reset)."""
        self.pending.count[row] = 0
        self.waiting[row] = 0
        self.archive.start(run_id)

    def record(self, rows: np.ndarray, index: Tensor, evaluations: list[Evaluation],
               steps_before: np.ndarray, steps_after: np.ndarray) -> None:
        """Write the loop's evaluations of runs `rows` (device index `index`) into the buffers."""
        for evaluation in evaluations:
            self.pending.record(index, evaluation.step, evaluation.losses, evaluation.recorded)
        every = self.eval_every
        self.waiting[rows] += steps_after // every - steps_before // every

    def record_start(self, row: int, step: Tensor, losses: Tensor, alive: Tensor) -> None:
        """The point at the step a run starts from (after add or reset)."""
        self.pending.record(torch.tensor([row], device=self.device), step, losses, alive)
        self.waiting[row] += 1

    def make_room(self, rows: np.ndarray, steps: np.ndarray, n: int, ids: list[str],
                  has_test: np.ndarray) -> None:
        """Room for n more steps of runs `rows` (at `steps`); collects every run first when the
        device would hold more than PENDING_LIMIT points per run. ids, has_test: of all runs."""
        records = (steps + n) // self.eval_every - steps // self.eval_every  # points per run
        needed = int((self.waiting[rows] + records).max()) + 2
        if needed > PENDING_LIMIT:
            self.collect(np.arange(len(ids)), ids, has_test)
            needed = int(records.max()) + 2
        self.pending.make_room(needed)

    def collect(self, rows: np.ndarray, ids: list[str], has_test: np.ndarray) -> None:
        """Move the points of runs `rows` into the archive (ids, has_test: of all runs)."""
        if len(rows) == 0 or not self.waiting[rows].any():
            return
        for row, new in zip(rows, self.pending.collect(rows, has_test[rows]), strict=True):
            self.archive.extend(ids[row], new)
        self.waiting[rows] = 0
