"""Checkpoints: a run saved and loaded (through bytes, a file, or another group) continues exactly
as if it had never stopped; the file is safetensors and loads without pickle."""

import json
import struct

import numpy as np
import pytest
import torch

from models.engine import RunGroup, Trainer, TrainingConfig
from models.engine.checkpoint import load_run, load_run_file, save_run, save_run_file

from .conftest import run_config

CASES = {
    "adam_minibatch": dict(optimizer="adam", batch_size=7, weight_decay=0.01),
    "momentum_batch_norm": dict(optimizer="momentum", batch_norm=True, depth=2, batch_size=10),
    "sgd_dropout": dict(optimizer="sgd", dropout=0.2, depth=2, batch_size=5, learning_rate=0.1),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_restored_run_continues_bit_for_bit(case):
    config = run_config(n_points=50, seed=3, **CASES[case])
    original = RunGroup(config.model, config.training.optimizer, "cpu", eval_every=3)
    original.add("a", config)
    original.step(17)  # mid-epoch, mid-history interval
    data = save_run(original.export_run("a"))
    restored = RunGroup(config.model, config.training.optimizer, "cpu", eval_every=3)
    restored.import_run("a", load_run(data))
    busy = RunGroup(config.model, config.training.optimizer, "cpu", eval_every=3)
    busy.add("other", run_config(n_points=80, seed=9, **CASES[case]))
    busy.import_run("a", load_run(data))
    original.step(23)
    restored.step(23)
    busy.step(23)
    # In a group of other shapes (padding), sums run in another order: equal to float noise.
    torch.testing.assert_close(busy.export_run("a").parameters,
                               original.export_run("a").parameters, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(busy.history("a").train_loss, original.history("a").train_loss,
                               rtol=1e-5)
    ours, theirs = original.export_run("a"), restored.export_run("a")
    assert torch.equal(ours.parameters, theirs.parameters)
    assert torch.equal(ours.statistics, theirs.statistics)
    for name, value in ours.optimizer_state.items():
        assert torch.equal(value, theirs.optimizer_state[name])
    assert original.statuses()["a"] == restored.statuses()["a"]
    np.testing.assert_array_equal(original.history("a").train_loss,
                                  restored.history("a").train_loss)
    np.testing.assert_array_equal(original.history("a").step, restored.history("a").step)


def test_file_is_safetensors_with_json_config_and_loads_without_pickle(tmp_path):
    trainer = Trainer(run_config(optimizer="adam", batch_size=8), device="cpu")
    trainer.step(30)
    trainer.set_training(TrainingConfig(optimizer="adam", batch_size=8, learning_rate=0.003))
    trainer.step(5)
    path = tmp_path / "run.safetensors"
    trainer.save(path)
    raw = path.read_bytes()
    (length,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + length])
    assert json.loads(header["__metadata__"]["config"])["training"]["learning_rate"] == 0.003
    assert {"parameters", "counters", "optimizer.exp_avg"} <= set(header)
    loaded = Trainer.load(path, device="cpu")
    assert loaded.config == trainer.config
    assert loaded.status() == trainer.status()
    trainer.step(10)
    loaded.step(10)
    assert torch.equal(loaded.group.export_run("run").parameters,
                       trainer.group.export_run("run").parameters)
    state = load_run_file(path)
    save_run_file(tmp_path / "again.safetensors", state)
    again = load_run_file(tmp_path / "again.safetensors")
    assert again.config == state.config and again.step == state.step == 35
    assert torch.equal(again.parameters, state.parameters)
    np.testing.assert_array_equal(again.history.step, state.history.step)


def test_moving_a_run_to_another_optimizer_starts_fresh_optimizer_state():
    config = run_config(optimizer="adam", batch_size=8)
    source = RunGroup(config.model, "adam", "cpu")
    source.add("a", config)
    source.step(12)
    state = source.export_run("a")
    from dataclasses import replace
    moved = replace(state, config=replace(config, training=TrainingConfig(optimizer="sgd",
                                                                           batch_size=8)))
    target = RunGroup(config.model, "sgd", "cpu")
    target.import_run("a", moved)
    assert target.statuses()["a"].step == 12
    target.step(3)
    assert target.statuses()["a"].step == 15
    with pytest.raises(ValueError, match="optimizer"):
        RunGroup(config.model, "momentum", "cpu").import_run("a", state)


def test_garbage_is_a_value_error():
    with pytest.raises(ValueError):
        load_run(b"not a checkpoint at all")
    with pytest.raises(ValueError):
        load_run(b"\x02\x00\x00\x00\x00\x00\x00\x00{}")
