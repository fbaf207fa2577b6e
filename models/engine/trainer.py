"""Trainer: one run of the engine for notebooks and scripts (the group of one), and the device.

Synchronous; its only I/O is save/load of a checkpoint file. The server uses RunGroup directly.
"""

from pathlib import Path

import torch

from models.configs import RunConfig, TrainingConfig
from models.datasets import DatasetConfig
from models.engine.checkpoint import RunState, load_run_file, save_run_file
from models.engine.group import RunGroup
from models.engine.records import History, RunStatus
from models.network import MLP


def default_device() -> torch.device:
    """CUDA when available, else the CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


class Trainer:
    """One run: the group of one, for notebooks and scripts.

    >>> trainer = Trainer(RunConfig()); trainer.step(500); trainer.status().train_loss
    """

    RUN_ID = "run"

    def __init__(self, config: RunConfig | None = None, device: str | torch.device | None = None,
                 eval_every: int = 10) -> None:
        config = config if config is not None else RunConfig()
        device = torch.device(device) if device is not None else default_device()
        if device.type == "cpu":
            torch.set_num_threads(1)  # tiny networks: more threads only add overhead
        self.group = RunGroup(config.model, config.training.optimizer, device, eval_every)
        self.group.add(self.RUN_ID, config)

    @property
    def config(self) -> RunConfig:
        return self.group.config(self.RUN_ID)

    def step(self, n: int = 1) -> RunStatus:
        self.group.step(n)
        return self.status()

    def status(self) -> RunStatus:
        return self.group.statuses()[self.RUN_ID]

    def history(self) -> History:
        return self.group.history(self.RUN_ID)

    def module(self) -> MLP:
        return self.group.module(self.RUN_ID)

    def set_training(self, training: TrainingConfig) -> None:
        self.group.set_training(self.RUN_ID, training)

    def set_data(self, dataset: DatasetConfig) -> None:
        self.group.set_data(self.RUN_ID, dataset)

    def set_weights(self, layers: list) -> None:
        """[(W, b), ...] as module().affine_layers() gives them (RunGroup.set_weights)."""
        self.group.set_weights(self.RUN_ID, layers)

    def reset(self) -> None:
        self.group.reset(self.RUN_ID)

    def save(self, path: str | Path) -> None:
        save_run_file(path, self.group.export_run(self.RUN_ID))

    @classmethod
    def load(cls, path: str | Path, device: str | torch.device | None = None) -> "Trainer":
        state: RunState = load_run_file(path)
        trainer = cls.__new__(cls)
        trainer.group = RunGroup(state.config.model, state.config.training.optimizer,
                                 device if device is not None else default_device())
        trainer.group.import_run(cls.RUN_ID, state)
        return trainer
