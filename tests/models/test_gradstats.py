"""Per-layer gradient and activation statistics (models/gradstats.py) against an independent
reference: the run's reference MLP in float64 with forward hooks for f_k and h_k, torch.autograd
for each layer's gradient, torch.optim's step for the update, and numpy for spreads and counts."""

import numpy as np
import pytest
import torch

from models.gradstats import histogram, layer_statistics
from models.inspect import inspect_step, next_batch
from models.losses import loss_function
from tests.models.conftest import run_config
from tests.models.test_inspect import autograd_step, group_after

CASES = [  # (dataset, inputs, outputs, hidden_units, depth, activation, optimizer)
    ("sine", 1, 1, 8, 1, "relu", "sgd"),
    ("moons", 2, 1, 6, 3, "tanh", "momentum"),
    ("blobs", 2, 3, (5, 4), 2, "relu", "adam"),
    ("sine", 1, 1, 4, 0, "relu", "sgd"),
]


def reference(group, state):
    """f_k, h_k (each (B, D_k)) and each Linear's data-loss gradient, by hooks and autograd."""
    dataset = group.dataset("run")
    module = group.module("run").double()
    indices = next_batch(state, len(dataset.x_train))
    x, y = dataset.x_train[indices].double(), dataset.y_train[indices]
    y = y if dataset.info.task == "multiclass" else y.double()
    linears = [layer for layer in module.layers if isinstance(layer, torch.nn.Linear)]
    activations = [layer for layer in module.layers if not isinstance(layer, torch.nn.Linear)]
    pre, post = [], []
    hooks = [layer.register_forward_hook(lambda _m, _i, out: pre.append(out.detach()))
             for layer in linears]
    hooks += [layer.register_forward_hook(lambda _m, _i, out: post.append(out.detach()))
              for layer in activations]
    loss = loss_function(dataset.info.task)(module(x), y)
    for hook in hooks:
        hook.remove()
    post.append(pre[-1])  # the output layer: h_K = f_K
    grads = torch.autograd.grad(loss, [p for linear in linears for p in linear.parameters()])
    norms = [float(torch.sqrt(grads[2 * k].square().sum() + grads[2 * k + 1].square().sum()))
             for k in range(len(linears))]
    return [p.numpy() for p in pre], [p.numpy() for p in post], norms, linears


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-d{c[4]}-{c[5]}-{c[6]}" for c in CASES])
def test_the_statistics_equal_a_forward_pass_and_autograd(case):
    dataset, inputs, outputs, hidden, depth, activation, optimizer = case
    config = run_config(dataset, n_points=40, inputs=inputs, outputs=outputs, hidden_units=hidden,
                        depth=depth, activation=activation, optimizer=optimizer, batch_size=9,
                        learning_rate=0.05, seed=2)
    group = group_after(config, 4)
    state = group.export_run("run")
    stats = layer_statistics(inspect_step(state, group.dataset("run")))
    pre, post, grad_norms, linears = reference(group, state)
    _, _, _, new = autograd_step(group, state)
    assert len(stats) == depth + 1
    for k, layer in enumerate(stats):
        weight = linears[k].weight.detach().numpy()
        bias = linears[k].bias.detach().numpy()
        assert layer.weight_norm == pytest.approx(np.sqrt((weight**2).sum() + (bias**2).sum()))
        assert layer.grad_norm == pytest.approx(grad_norms[k], rel=1e-9)
        change = np.sqrt(((new[k][0] - weight) ** 2).sum() + ((new[k][1] - bias) ** 2).sum())
        assert layer.update_norm == pytest.approx(change, rel=1e-6)
        assert layer.update_ratio == pytest.approx(change / layer.weight_norm, rel=1e-6)
        assert layer.pre_std == pytest.approx(np.std(pre[k]))
        assert layer.post_std == pytest.approx(np.std(post[k]))
        assert layer.post.counts.sum() == post[k].size
        expected, _ = np.histogram(post[k], bins=layer.post.edges)
        assert (layer.post.counts == expected).all()
        if k < depth:
            assert layer.dead == pytest.approx(np.mean((post[k] == 0).all(axis=0)))
        else:
            assert layer.dead is None


def test_dead_units_are_counted():
    """A ReLU layer whose first two units have a large negative bias is dead there."""
    config = run_config("sine", n_points=30, hidden_units=5, depth=1, activation="relu",
                        batch_size=None, seed=1)
    group = group_after(config, 0)
    layers = group.layers(["run"])["run"]
    layers[0][1][:2] = -100.0  # beta_1 of units 1 and 2: never above 0 on x in [-1, 1]
    group.set_weights("run", layers)
    stats = layer_statistics(inspect_step(group.export_run("run"), group.dataset("run")))
    assert stats[0].dead == pytest.approx(2 / 5)
    assert stats[0].grad_pre.counts.sum() == 5 * 24  # 24 training points, full batch


def test_the_histogram_range_is_symmetric_or_starts_at_zero():
    signed = histogram(np.array([-3.0, 1.0, 2.0]), bins=3)
    assert signed.edges[0] == -3.0 and signed.edges[-1] == 3.0 and signed.counts.sum() == 3
    relu = histogram(np.array([0.0, 0.5, 2.0]), bins=4)
    assert relu.edges[0] == 0.0 and relu.edges[-1] == 2.0 and list(relu.counts) == [1, 1, 0, 1]
    zeros = histogram(np.zeros(4), bins=3)
    assert zeros.counts.sum() == 4
