"""Shared helpers for the model tests: one thread per test and small run configs. The reference
the engine is held to is the student's loop itself (models/loop.py), not a copy here."""

import pytest
import torch

from models.datasets import DatasetConfig
from models.engine import RunConfig, TrainingConfig
from models.network import ModelConfig


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)


def run_config(dataset: str = "sine", n_points: int = 40, seed: int = 0, inputs: int = 1,
               outputs: int = 1, **settings) -> RunConfig:
    """A small run; `settings` go to ModelConfig or TrainingConfig by name."""
    model_fields = set(ModelConfig.__dataclass_fields__)
    model = {k: v for k, v in settings.items() if k in model_fields}
    training = {k: v for k, v in settings.items() if k not in model_fields}
    model.setdefault("hidden_units", 8)
    return RunConfig(DatasetConfig(name=dataset, n_points=n_points, seed=seed),
                     ModelConfig(inputs=inputs, outputs=outputs, **model),
                     TrainingConfig(**training))
