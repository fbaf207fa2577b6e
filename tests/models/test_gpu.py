"""The CUDA path: a group of mixed runs trains on the GPU, keeps all its state there, and matches
the same group on the CPU within float tolerance; a step there makes no device-host sync.

Marked `gpu`; skipped where CUDA is absent (the default machines), run where a GPU is lent.
"""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pytest
import torch

from models.datasets import DatasetConfig
from models.engine import RunConfig, RunGroup, TrainingConfig
from models.network import ModelConfig

pytestmark = pytest.mark.gpu
MODEL = ModelConfig(inputs=1, outputs=1, hidden_units=16, depth=2, activation="relu")
RUNS = ((1, 32, 200), (2, None, 120), (3, 8, 90))  # (seed, batch size, points): mixed padding


def config(optimizer: str, seed: int, batch_size: int | None, n_points: int) -> RunConfig:
    return RunConfig(DatasetConfig(name="sine", n_points=n_points, noise=0.1, seed=seed), MODEL,
                     TrainingConfig(optimizer=optimizer, learning_rate=0.01,
                                    batch_size=batch_size, seed=seed))


def group_on(device: str, optimizer: str) -> RunGroup:
    group = RunGroup(MODEL, optimizer, device, eval_every=5)
    for seed, batch_size, n_points in RUNS:
        group.add(f"run{seed}", config(optimizer, seed, batch_size, n_points))
    return group


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_cuda_group_matches_the_cpu_group(optimizer: str) -> None:
    groups = {device: group_on(device, optimizer) for device in ("cpu", "cuda")}
    for group in groups.values():
        group.step(150)
        group.step(30, run_ids=["run2"])  # a subset: gathered, stepped, scattered back
    cpu, cuda = (groups[d].statuses() for d in ("cpu", "cuda"))
    for run_id, status in cpu.items():
        assert cuda[run_id].step == status.step == (180 if run_id == "run2" else 150)
        assert cuda[run_id].train_loss == pytest.approx(status.train_loss, rel=1e-3, abs=1e-5)
        first, second = (groups[d].history(run_id) for d in ("cpu", "cuda"))
        np.testing.assert_array_equal(first.step, second.step)
        np.testing.assert_allclose(second.train_loss, first.train_loss, rtol=1e-3, atol=1e-5)
        np.testing.assert_allclose(second.test_loss, first.test_loss, rtol=1e-3, atol=1e-5)
        assert second.train_loss[-1] < second.train_loss[0]
    torch.testing.assert_close(groups["cuda"].export_run("run3").parameters,
                               groups["cpu"].export_run("run3").parameters, rtol=1e-3, atol=1e-4)


def test_cuda_group_keeps_its_state_on_the_device() -> None:
    group = group_on("cuda", "adam")
    group.step(50)
    tensors = {f.name: getattr(group._device, f.name) for f in fields(group._device)}  # noqa: SLF001
    tensors["optimizer_state"] = tensors["optimizer_state"][0]
    pending = group._history.pending  # noqa: SLF001 - the history buffers written per step
    tensors.update(history_losses=pending.losses, history_steps=pending.steps)
    assert {name: t.device.type for name, t in tensors.items()} == dict.fromkeys(tensors, "cuda")
    assert all(s.step == 50 and not s.diverged for s in group.statuses().values())
    module = group.module("run3")
    assert all(p.device.type == "cpu" for p in module.parameters())
    assert group.export_run("run3").parameters.device.type == "cpu"


def test_a_cuda_step_makes_no_device_host_sync() -> None:
    group = group_on("cuda", "adam")
    group.step(20)  # warm: buffers grown, evaluation set cached
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode("error")  # any synchronising call inside raises
    try:
        group.step(40)
    finally:
        torch.cuda.set_sync_debug_mode("default")
    assert {s.step for s in group.statuses().values()} == {60}
