"""Plain records the engine returns: a run's status and its loss history.

Dataclasses of numbers and numpy arrays only; no tensors, no training logic.
"""

from dataclasses import dataclass

import numpy as np

HISTORY_LIMIT = 20_000  # points kept per run on the host; beyond it a history is thinned by 2


@dataclass(frozen=True)
class RunStatus:
    """Where a run stands. Losses are None (never NaN) when no finite value exists."""

    step: int
    epoch: float  # passes over the training set, fractional inside an epoch
    train_loss: float | None
    test_loss: float | None
    accuracy: float | None  # test-set accuracy (classification with a test set), else None
    train_accuracy: float | None  # training-set accuracy (classification), else None
    diverged: bool


@dataclass(frozen=True, eq=False)
class History:
    """Loss curve points: full train-set and test-set loss at the given steps. Losses are finite,
    except a test loss of NaN where the run had no test set (train_fraction 1.0)."""

    step: np.ndarray  # (M,) int64
    train_loss: np.ndarray  # (M,) float64
    test_loss: np.ndarray  # (M,) float64

    @classmethod
    def empty(cls) -> "History":
        return cls(np.zeros(0, np.int64), np.zeros(0), np.zeros(0))

    def __len__(self) -> int:
        return len(self.step)

    def concat(self, other: "History") -> "History":
        return History(np.concatenate([self.step, other.step]),
                       np.concatenate([self.train_loss, other.train_loss]),
                       np.concatenate([self.test_loss, other.test_loss]))

    def slice(self, start: int, stop: int | None = None, every: int = 1) -> "History":
        """Points start:stop:every as contiguous copies (orjson and torch need contiguous arrays;
        a strided view of a thinned history once made every reader of a long run fail)."""
        part = slice(start, stop, every)
        return History(np.ascontiguousarray(self.step[part]),
                       np.ascontiguousarray(self.train_loss[part]),
                       np.ascontiguousarray(self.test_loss[part]))
