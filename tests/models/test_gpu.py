"""The CUDA path: a run trains on the GPU and matches the CPU run within float tolerance.

Marked `gpu`; skipped where CUDA is absent (the default machines), run where a GPU is lent.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from models.datasets import DatasetConfig
from models.engine import RunConfig, RunGroup, Trainer, TrainingConfig
from models.network import ModelConfig

pytestmark = pytest.mark.gpu


def config(optimizer: str, batch_size: int | None, seed: int = 0) -> RunConfig:
    return RunConfig(
        dataset=DatasetConfig(name="sine", n_points=200, noise=0.1, seed=seed),
        model=ModelConfig(inputs=1, outputs=1, hidden_units=16, depth=2, activation="relu"),
        training=TrainingConfig(optimizer=optimizer, learning_rate=0.01, batch_size=batch_size,
                                seed=seed),
    )


@pytest.mark.parametrize(("optimizer", "batch_size"), [("sgd", None), ("momentum", 32),
                                                       ("adam", 32)])
def test_cuda_run_matches_cpu(optimizer: str, batch_size: int | None) -> None:
    runs = {device: Trainer(config(optimizer, batch_size), device=device)
            for device in ("cpu", "cuda")}
    for trainer in runs.values():
        trainer.step(200)
    cpu, cuda = (runs[d].history() for d in ("cpu", "cuda"))
    assert runs["cuda"].group.device.type == "cuda"
    np.testing.assert_array_equal(cpu.step, cuda.step)
    np.testing.assert_allclose(cuda.train_loss, cpu.train_loss, rtol=1e-3, atol=1e-5)
    np.testing.assert_allclose(cuda.test_loss, cpu.test_loss, rtol=1e-3, atol=1e-5)
    assert cuda.train_loss[-1] < cuda.train_loss[0]


def test_cuda_group_keeps_state_on_device() -> None:
    base = config("adam", 32)
    group = RunGroup(base.model, "adam", device="cuda")
    for seed in range(8):
        group.add(f"run{seed}", config("adam", 32, seed))
    group.step(50)
    statuses = group.statuses()
    assert all(s.step == 50 and not s.diverged for s in statuses.values())
    module = group.module("run3")
    assert all(p.device.type == "cpu" for p in module.parameters())
    assert torch.cuda.memory_allocated() > 0
