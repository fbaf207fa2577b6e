"""A step call that fails midway leaves its group consistent: the steps that happened are
counted, and the runs continue exactly as if those steps had been asked for."""

import pytest
import torch

from models.engine import RunGroup
from models.engine.batched import Network

from .conftest import run_config


def test_a_failed_step_call_counts_the_steps_it_took(monkeypatch: pytest.MonkeyPatch) -> None:
    configs = {"a": run_config(n_points=30, batch_size=7, seed=1),
               "b": run_config(n_points=30, batch_size=7, seed=2)}
    broken = RunGroup(configs["a"].model, "adam", "cpu", eval_every=1)
    healthy = RunGroup(configs["a"].model, "adam", "cpu", eval_every=1)
    for run_id, config in configs.items():
        broken.add(run_id, config)
        healthy.add(run_id, config)
    original, calls = Network.gradient, []

    def gradient(self, *args):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("injected")
        return original(self, *args)

    monkeypatch.setattr(Network, "gradient", gradient)
    with pytest.raises(RuntimeError):
        broken.step(10)  # fails in its third step: two happened, in place
    monkeypatch.setattr(Network, "gradient", original)
    assert {s.step for s in broken.statuses().values()} == {2}
    broken.step(5)
    healthy.step(7)
    for run_id in configs:
        assert torch.equal(broken.module(run_id).layers[0].weight,
                           healthy.module(run_id).layers[0].weight)
        assert list(broken.history(run_id).step) == list(healthy.history(run_id).step)
