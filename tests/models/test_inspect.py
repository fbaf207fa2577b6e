"""The step inspector (models/inspect.py) against independent references: torch.autograd in
float64 on the reference MLP for every layer's gradients, every activation and optimiser, central
finite differences, and the engine itself: the step it predicts is the step RunGroup takes."""

import numpy as np
import pytest
import torch

from models.activations import ACTIVATIONS
from models.configs import OPTIMIZERS
from models.engine import RunGroup
from models.inspect import InspectError, finite_difference, inspect_step, next_batch
from models.loop import l1_penalty, make_optimizer
from models.losses import loss_function
from tests.models.conftest import run_config

CASES = [  # (dataset, inputs, outputs, hidden_units, depth)
    ("sine", 1, 1, 8, 1),
    ("two_outputs", 1, 2, (5, 3), 2),
    ("moons", 2, 1, 6, 3),
    ("blobs", 2, 3, 4, 2),
    ("sine", 1, 1, 4, 0),
]


def group_after(config, steps: int) -> RunGroup:
    """A run of `config` trained `steps` steps by the engine (so the optimiser state is not 0)."""
    group = RunGroup(config.model, config.training.optimizer)
    group.add("run", config)
    group.step(steps)
    return group


def autograd_step(group: RunGroup, state):
    """The reference: the run's module in float64, its loss on the inspector's batch, autograd's
    gradient, then torch.optim's step from the engine's optimiser state."""
    config, dataset = state.config, group.dataset("run")
    module = group.module("run").double().train()
    indices = next_batch(state, len(dataset.x_train))
    x, y = dataset.x_train[indices].double(), dataset.y_train[indices]
    y = y if dataset.info.task == "multiclass" else y.double()
    data_loss = loss_function(dataset.info.task)(module(x), y)
    loss = data_loss + config.training.l1 * l1_penalty(module)
    module.zero_grad()
    loss.backward()
    grads = [(linear.weight.grad.clone(), linear.bias.grad.clone())
             for linear in module.layers if isinstance(linear, torch.nn.Linear)]
    data_grads = torch.autograd.grad(loss_function(dataset.info.task)(module(x), y),
                                     list(module.parameters()))
    optimizer = make_optimizer(config.training, module.parameters())
    params = list(module.parameters())
    for name, value in state.optimizer_state.items():  # the engine's state, as torch.optim's
        offset = 0
        for p in params:
            optimizer.state[p][name] = value[offset:offset + p.numel()].double().view_as(p).clone()
            optimizer.state[p]["step"] = torch.tensor(float(state.step - state.optimizer_origin))
            offset += p.numel()
    optimizer.step()
    new = [(linear.weight.detach().numpy(), linear.bias.detach().numpy())
           for linear in module.layers if isinstance(linear, torch.nn.Linear)]
    return float(data_loss.detach()), grads, data_grads, new


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-d{c[4]}" for c in CASES])
def test_gradients_and_update_equal_autograd(activation, optimizer, case):
    dataset, inputs, outputs, hidden, depth = case
    config = run_config(dataset, n_points=30, inputs=inputs, outputs=outputs, hidden_units=hidden,
                        depth=depth, activation=activation, optimizer=optimizer, batch_size=7,
                        learning_rate=0.05, weight_decay=0.01, l1=0.001, seed=3)
    group = group_after(config, 5)
    state = group.export_run("run")
    step = inspect_step(state, group.dataset("run"))
    loss, grads, data_grads, new = autograd_step(group, state)
    assert step.loss == pytest.approx(loss, rel=1e-9, abs=1e-12)
    assert len(step.layers) == depth + 1
    flat_data = torch.cat([g.reshape(-1) for g in data_grads]).numpy()
    ours = np.concatenate([np.concatenate([layer.grad_weight.ravel(), layer.grad_bias])
                           for layer in step.layers])
    np.testing.assert_allclose(ours, flat_data, rtol=1e-6, atol=1e-10)
    flat = state.parameters.double().numpy()
    signs = np.sign(flat) * config.training.l1 + config.training.weight_decay * flat
    total = np.concatenate([np.concatenate([layer.weight_update.gradient.ravel(),
                                            layer.bias_update.gradient]) for layer in step.layers])
    autograd_total = torch.cat([torch.cat([w.reshape(-1), b]) for w, b in grads]).numpy()
    np.testing.assert_allclose(total, autograd_total + config.training.weight_decay * flat,
                               rtol=1e-6, atol=1e-10)
    np.testing.assert_allclose(total - flat_data, signs, rtol=1e-6, atol=1e-12)
    for (w, b), (w_ref, b_ref) in zip(step.new_layers, new, strict=True):
        np.testing.assert_allclose(w, w_ref, rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(b, b_ref, rtol=1e-6, atol=1e-9)


def test_intermediate_values_are_the_lecture_formulas():
    config = run_config("sine", n_points=20, hidden_units=4, depth=2, activation="relu",
                        optimizer="sgd", batch_size=5, learning_rate=0.1)
    group = group_after(config, 2)  # 16 training points: batches of 5, 5, 5, 1
    state = group.export_run("run")
    step = inspect_step(state, group.dataset("run"))
    h = step.inputs
    assert h.shape == (1, 5) and step.indices.shape == (5,)
    for k, layer in enumerate(step.layers):
        np.testing.assert_allclose(layer.pre, layer.bias[:, None] + layer.weight @ h)
        np.testing.assert_allclose(layer.grad_weight, layer.grad_pre @ h.T)
        np.testing.assert_allclose(layer.grad_input, layer.weight.T @ layer.grad_pre)
        if k < 2:  # hidden: h = ReLU(f), and dL/df = mask * dL/dh from the layer above
            np.testing.assert_allclose(layer.post, np.maximum(layer.pre, 0))
            np.testing.assert_allclose(layer.grad_pre, (layer.pre > 0) * layer.grad_post)
            np.testing.assert_allclose(layer.grad_post, step.layers[k + 1].grad_input)
        h = layer.post
    assert step.loss == pytest.approx(step.losses.mean())
    assert step.layers[-1].weight_update.change == pytest.approx(
        -0.1 * step.layers[-1].weight_update.gradient)


@pytest.mark.parametrize("activation", ["relu", "tanh", "gelu"])
def test_finite_differences_agree_with_backprop(activation):
    config = run_config("moons", n_points=40, inputs=2, hidden_units=5, depth=2,
                        activation=activation, batch_size=10, seed=1)
    group = group_after(config, 4)
    state, dataset = group.export_run("run"), group.dataset("run")
    step = inspect_step(state, dataset)
    for layer, row, column in [(0, 1, 0), (1, 2, 4), (2, 0, 3), (1, 3, None), (2, 0, None)]:
        numeric = finite_difference(state, dataset, layer, row, column)
        grads = step.layers[layer]
        exact = grads.grad_bias[row] if column is None else grads.grad_weight[row, column]
        assert numeric == pytest.approx(exact, rel=1e-5, abs=1e-8)


def test_a_wrong_gradient_would_be_caught():
    config = run_config("sine", n_points=20, hidden_units=4, batch_size=5, seed=2)
    group = group_after(config, 2)
    state, dataset = group.export_run("run"), group.dataset("run")
    step = inspect_step(state, dataset)
    grad = step.layers[0].grad_weight  # (4, 1): the weight with the largest gradient
    row = int(np.abs(grad[:, 0]).argmax())
    numeric = finite_difference(state, dataset, 0, row, 0)
    assert abs(grad[row, 0]) > 1e-3
    assert numeric == pytest.approx(grad[row, 0], rel=1e-5)
    assert numeric != pytest.approx(1.001 * grad[row, 0], rel=1e-5)


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
@pytest.mark.parametrize("batch_size", [None, 6])
def test_committed_step_equals_the_engine_step(optimizer, batch_size):
    config = run_config("interval_1d", n_points=40, hidden_units=(6, 4), depth=2,
                        activation="tanh", optimizer=optimizer, batch_size=batch_size,
                        weight_decay=0.001, l1=0.0005, learning_rate=0.03, seed=5)
    group = group_after(config, 9)  # inside an epoch, with optimiser state
    step = inspect_step(group.export_run("run"), group.dataset("run"))
    group.step(1)
    assert group.export_run("run").step == step.step + 1
    for (w, b), (w_engine, b_engine), before in zip(
            step.new_layers, group.layers(["run"])["run"], step.layers, strict=True):
        np.testing.assert_allclose(w, w_engine, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(b, b_engine, rtol=1e-5, atol=1e-6)
        assert np.abs(w - before.weight).max() > 1e-4  # the step moved them: not a trivial match


def test_adam_counts_from_new_weights():
    """Weights set by hand restart the optimizer state: Adam's t counts from 1 again."""
    config = run_config("sine", n_points=30, hidden_units=4, batch_size=6, optimizer="adam", seed=6)
    group = group_after(config, 7)
    group.set_weights("run", [(w * 0.5, b) for w, b in group.layers(["run"])["run"]])
    group.step(2)
    step = inspect_step(group.export_run("run"), group.dataset("run"))
    assert step.step == 9 and step.adam_t == 3
    group.step(1)
    for (w, b), (w_engine, b_engine) in zip(step.new_layers, group.layers(["run"])["run"],
                                            strict=True):
        np.testing.assert_allclose(w, w_engine, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(b, b_engine, rtol=1e-5, atol=1e-6)


def test_batch_follows_a_new_batch_size():
    config = run_config("sine", n_points=40, hidden_units=4, batch_size=8, seed=4)
    group = group_after(config, 3)
    from dataclasses import replace
    group.set_training("run", replace(config.training, batch_size=5))
    step = inspect_step(group.export_run("run"), group.dataset("run"))
    group.step(1)
    assert len(step.indices) == 5
    for (w, _), (w_engine, _) in zip(step.new_layers, group.layers(["run"])["run"], strict=True):
        np.testing.assert_allclose(w, w_engine, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("setting, field", [({"batch_norm": True}, "model.batch_norm"),
                                            ({"dropout": 0.2}, "model.dropout")])
def test_batch_norm_and_dropout_are_refused(setting, field):
    config = run_config("sine", n_points=20, hidden_units=4, **setting)
    group = group_after(config, 1)
    with pytest.raises(InspectError) as error:
        inspect_step(group.export_run("run"), group.dataset("run"))
    assert error.value.field == field
