"""training.l1: the penalty l1 * sum |theta| that the student's loop adds to its loss, held equal to
the engine's subgradient update step for step for the three optimisers, live like weight decay."""

import numpy as np
import pytest
import torch

from models.configs import RunConfig, TrainingConfig, change_kind
from models.engine.optim import update
from models.loop import Loop, l1_penalty

from .conftest import run_config
from .test_engine import TOLERANCE, assert_matches, group_for

RATES = {"sgd": 0.05, "momentum": 0.05, "adam": 0.01}


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_engine_matches_the_loop_with_l1(optimizer):
    config = run_config(optimizer=optimizer, learning_rate=RATES[optimizer], l1=0.01,
                        hidden_units=[6, 4], depth=2, batch_size=8)
    group = group_for(config, run_config(optimizer=optimizer, hidden_units=[6, 4], depth=2,
                                         l1=0.0, seed=3))  # a run without: 0 in its row
    group.step(25)
    assert_matches(group, "run0", Loop(config), 25)


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_engine_matches_the_loop_with_l1_weight_decay_and_batch_norm(optimizer):
    config = run_config(optimizer=optimizer, learning_rate=RATES[optimizer], l1=0.02,
                        weight_decay=0.05, batch_norm=optimizer == "sgd", depth=2,
                        batch_size=10)
    group = group_for(config)
    group.step(15)
    assert_matches(group, "run0", Loop(config), 15, weight_tolerance=2e-4)


def test_the_loops_penalty_is_the_sum_of_absolute_values():
    loop = Loop(run_config(hidden_units=3))
    by_hand = sum(float(np.abs(p.detach().numpy()).sum()) for p in loop.model.parameters())
    assert float(l1_penalty(loop.model).detach()) == pytest.approx(by_hand, rel=1e-6)


def test_the_subgradient_is_the_sign_and_zero_at_zero():
    params = torch.tensor([[-2.0, 0.0, 3.0]])
    grad = torch.zeros(1, 3)
    update("sgd", params, grad, (), torch.tensor([[0.5]]), None, None, None,
           torch.tensor([[0.1]]))
    torch.testing.assert_close(params, torch.tensor([[-1.95, 0.0, 2.95]]))
    reference = torch.tensor([-2.0, 0.0, 3.0], requires_grad=True)
    (0.1 * reference.abs().sum()).backward()
    torch.testing.assert_close(reference.grad, torch.tensor([-0.1, 0.0, 0.1]))


def test_l1_applies_live_and_shrinks_the_weights():
    config = run_config(optimizer="momentum", learning_rate=0.05, batch_size=10)
    group = group_for(config)
    reference = Loop(config)
    group.step(10)
    reference.step(10)
    stronger = TrainingConfig(optimizer="momentum", learning_rate=0.05, batch_size=10, l1=0.05)
    assert change_kind(config, RunConfig(config.dataset, config.model, stronger)) == "live"
    group.set_training("run0", stronger)
    reference.config = RunConfig(config.dataset, config.model, stronger)
    group.step(10)
    reference.step(10)
    torch.testing.assert_close(group.export_run("run0").parameters, reference.parameters(),
                               rtol=TOLERANCE, atol=TOLERANCE)
    plain = group_for(config)
    plain.step(400)
    group.step(380)
    l1_norm = float(group.export_run("run0").parameters.abs().sum())
    assert l1_norm < 0.8 * float(plain.export_run("run0").parameters.abs().sum())


def test_l1_bounds():
    assert TrainingConfig().l1 == 0.0
    for bad in (-0.1, float("nan"), float("inf"), True, "0.1"):
        with pytest.raises(ValueError, match="l1"):
            TrainingConfig(l1=bad)
