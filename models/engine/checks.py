"""The argument checks of RunGroup's public methods: a clear ValueError before anything changes.

Pure checks on plain values; nothing here reads or writes a group's rows.
"""

from models.configs import OPTIMIZERS, RunConfig, TrainingConfig
from models.network import ModelConfig


def check_group(model: ModelConfig, optimizer: str, eval_every: int) -> None:
    """The arguments of RunGroup(model, optimizer, eval_every=...)."""
    if not isinstance(model, ModelConfig):
        raise ValueError("model must be a ModelConfig")
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {optimizer!r}; choose one of {list(OPTIMIZERS)}")
    if isinstance(eval_every, bool) or not isinstance(eval_every, int) or eval_every < 1:
        raise ValueError(f"eval_every must be a positive integer, got {eval_every!r}")


def check_member(run_id: str, config: RunConfig, model: ModelConfig, optimizer: str,
                 known: bool) -> None:
    """A new run `run_id` with `config` for a group of `model` and `optimizer` (`known`: the id
    is taken already)."""
    if not isinstance(run_id, str) or not run_id:
        raise ValueError("run_id must be a non-empty string")
    if known:
        raise ValueError(f"run {run_id!r} is already in this group")
    if not isinstance(config, RunConfig):
        raise ValueError("config must be a RunConfig")
    if config.model != model:
        raise ValueError("config.model differs from this group's model")
    if config.training.optimizer != optimizer:
        raise ValueError(f"optimizer {config.training.optimizer!r} differs from this group's "
                         f"{optimizer!r}; move the run to another group")


def check_training(training: TrainingConfig, old: TrainingConfig, optimizer: str) -> None:
    """A live change of a run's training settings from `old` (same optimiser, same seed)."""
    if not isinstance(training, TrainingConfig):
        raise ValueError("training must be a TrainingConfig")
    if training.optimizer != optimizer:
        raise ValueError(f"optimizer {training.optimizer!r} differs from this group's "
                         f"{optimizer!r}; move the run to another group")
    if training.seed != old.seed:
        raise ValueError("seed cannot change live; reset or rebuild the run")
