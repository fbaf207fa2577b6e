"""A run's config: the data, the network and how it is trained (TrainingConfig, RunConfig).

Frozen dataclasses that check their own bounds (the wire schema reuses them), and the rule for which
changes of a config apply to a live run and which rebuild it (change_kind). No tensors, no training.
"""

import math
from dataclasses import asdict, dataclass, field, replace

import numpy as np

from models.datasets import DATASETS, DatasetConfig
from models.network import ModelConfig

OPTIMIZERS = ("sgd", "momentum", "adam")
# The optimiser state each one keeps per parameter, by torch.optim's names for it.
OPTIMIZER_STATE = {"sgd": (), "momentum": ("momentum_buffer",), "adam": ("exp_avg", "exp_avg_sq")}
ADAM_BETAS = (0.9, 0.999)
ADAM_EPS = 1e-8
MAX_BATCH_SIZE = 100_000
MAX_LEARNING_RATE = 1e6


@dataclass(frozen=True)
class TrainingConfig:
    """How to train. `momentum` is used by the "momentum" optimiser; Adam keeps betas (0.9, 0.999).

    batch_size None = full batch (plain gradient descent); one epoch = one pass over the data.
    weight_decay: the L2 penalty's gradient wd * theta; l1: the penalty l1 * sum |theta| added to
    the loss (subgradient l1 * sign(theta)). Both apply to every parameter.
    """

    optimizer: str = "adam"
    learning_rate: float = 0.01
    momentum: float = 0.9
    weight_decay: float = 0.0
    batch_size: int | None = None
    seed: int = 0
    l1: float = 0.0

    def __post_init__(self) -> None:
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {self.optimizer!r}; choose one of "
                             f"{list(OPTIMIZERS)}")
        _check_float("learning_rate", self.learning_rate, 0.0, MAX_LEARNING_RATE, open_low=True)
        _check_float("momentum", self.momentum, 0.0, 1.0)
        _check_float("weight_decay", self.weight_decay, 0.0, MAX_LEARNING_RATE)
        _check_float("l1", self.l1, 0.0, MAX_LEARNING_RATE)
        size = self.batch_size
        if size is not None and (isinstance(size, bool) or not isinstance(size, int | np.integer)
                                 or not 1 <= size <= MAX_BATCH_SIZE):
            raise ValueError(f"batch_size must be null (full batch) or an integer in "
                             f"[1, {MAX_BATCH_SIZE}], got {self.batch_size!r}")
        if (isinstance(self.seed, bool) or not isinstance(self.seed, int | np.integer)
                or not 0 <= self.seed < 2**63):
            raise ValueError(f"seed must be an integer in [0, 2**63), got {self.seed!r}")


def _check_float(name: str, value: object, low: float, high: float, open_low: bool = False) -> None:
    ok = (isinstance(value, int | float | np.floating) and not isinstance(value, bool)
          and math.isfinite(value) and low <= value <= high and not (open_low and value == low))
    if not ok:
        bracket = "(" if open_low else "["
        raise ValueError(f"{name} must be a number in {bracket}{low}, {high}], got {value!r}")


@dataclass(frozen=True)
class RunConfig:
    """Everything that defines a run: the data, the network and how it is trained."""

    dataset: DatasetConfig = field(default_factory=DatasetConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    training: TrainingConfig = field(default_factory=TrainingConfig)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "RunConfig":
        dataset = dict(data["dataset"])
        if dataset.get("points") is not None:
            dataset["points"] = tuple((tuple(float(v) for v in x), float(y))
                                      for x, y in dataset["points"])
        return cls(DatasetConfig(**dataset), ModelConfig(**data["model"]),
                   TrainingConfig(**data["training"]))


CHANGE_KINDS = ("none", "live", "data", "rebuilt")
LIVE_DATA_FIELDS = ("points", "train_fraction")  # of a custom dataset: a live run keeps training


def change_kind(old: RunConfig, new: RunConfig) -> str:
    """What changing a run's config from `old` to `new` does to the run (one of CHANGE_KINDS).

    "none":    nothing changed.
    "live":    only training settings (optimizer, learning_rate, momentum, weight_decay, l1,
               batch_size): weights and step are kept; a new optimizer starts a fresh state.
    "data":    a custom dataset's points or train_fraction changed (live settings may change
               too): the run keeps its weights, optimiser state and step and trains on the new
               points from a fresh epoch (RunGroup.set_data).
    "rebuilt": any other dataset change, the model (its widths and features too) or the training
               seed: back to step 0, rebuilt from the seeds.
    """
    if old == new:
        return "none"
    if old.model != new.model or old.training.seed != new.training.seed:
        return "rebuilt"
    if old.dataset == new.dataset:
        return "live"
    info = DATASETS.get(old.dataset.name)
    kept = {name: getattr(new.dataset, name) for name in LIVE_DATA_FIELDS}
    if info is not None and info.custom and replace(old.dataset, **kept) == new.dataset:
        return "data"
    return "rebuilt"
