"""Loss-curve bookkeeping for RunGroup: device ring-free buffers written inside the step loop
without any host sync, and the host archive they are drained into.

Device side (rows = runs): hist (R, cap, 2) train/test loss, hist_step (R, cap) the step,
hist_pos (R,) the next free column. Nothing here trains or evaluates.
"""

import numpy as np
import torch

from models.engine.records import History

HISTORY_LIMIT = 20_000  # points kept per run on the host; beyond it the archive is thinned by 2
PENDING_LIMIT = 4096  # device-side points per run before a step() call drains them first
INITIAL_CAPACITY = 64


def new_buffers(runs: int, capacity: int, device: torch.device) -> dict[str, torch.Tensor]:
    return {"hist": torch.zeros(runs, capacity, 2, device=device),
            "hist_step": torch.zeros(runs, capacity, dtype=torch.int64, device=device),
            "hist_pos": torch.zeros(runs, dtype=torch.int64, device=device)}


def record(dev: dict, row_index: torch.Tensor, losses: torch.Tensor, steps: torch.Tensor,
           mask: torch.Tensor) -> None:
    """Store losses (R', 2) at `steps` (R',) for the runs row_index (R',) where mask (R',) is 1.

    Runs with mask 0 write into their next free column without claiming it: no branching.
    """
    position = dev["hist_pos"][row_index]
    dev["hist"][row_index, position] = losses
    dev["hist_step"][row_index, position] = steps
    dev["hist_pos"][row_index] = position + mask.to(torch.int64)


def make_room(dev: dict, host: dict, needed: int) -> None:
    """Grow the device buffers so every run has `needed` columns."""
    capacity = dev["hist"].shape[1]
    if needed <= capacity:
        return
    grow = max(needed, 2 * capacity) - capacity
    runs, device = dev["hist"].shape[0], dev["hist"].device
    dev["hist"] = torch.cat([dev["hist"], torch.zeros(runs, grow, 2, device=device)], 1)
    dev["hist_step"] = torch.cat(
        [dev["hist_step"], torch.zeros(runs, grow, dtype=torch.int64, device=device)], 1)


def collect(dev: dict, rows: np.ndarray) -> list[History]:
    """Move the pending points of these runs to the host (finite ones) and empty their buffers."""
    index = torch.as_tensor(rows, device=dev["hist"].device)
    counts = dev["hist_pos"][index].cpu().numpy()
    width = int(counts.max()) if len(counts) else 0
    result = []
    if width > 0:
        losses = dev["hist"][index, :width].double().cpu().numpy()  # (R, width, 2)
        steps = dev["hist_step"][index, :width].cpu().numpy()
    for position, count in enumerate(counts):
        if count == 0:
            result.append(History.empty())
            continue
        train, test = losses[position, :count, 0], losses[position, :count, 1]
        keep = np.isfinite(train) & np.isfinite(test)
        result.append(History(steps[position, :count][keep], train[keep], test[keep]))
    dev["hist_pos"][index] = 0
    return result


class Archive:
    """Every run's drained history on the host, and how much of it drain() has handed out."""

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
