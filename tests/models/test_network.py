"""The reference MLP and the batched passes: counts against the lecture's formula, seeded inits,
activations, and hand-written and autograd gradients against finite differences (float64)."""

import math

import numpy as np
import pytest
import torch

from models.activations import ACTIVATIONS
from models.analysis import linear_regression
from models.configs import RunConfig, TrainingConfig
from models.datasets import DatasetConfig
from models.engine.batched import Layout, Network, TaskMix
from models.loop import Loop
from models.losses import gradient_scale
from models.network import (
    MLP,
    ModelConfig,
    lecture_parameter_count,
    parameter_count,
    region_bound,
)


@pytest.mark.parametrize("depth", [1, 2, 3, 5])
@pytest.mark.parametrize("hidden_units", [1, 3, 8, 16])
def test_parameter_count_equals_lecture_formula_and_module(depth, hidden_units):
    config = ModelConfig(hidden_units=hidden_units, depth=depth)
    expected = 3 * hidden_units + 1 + (depth - 1) * hidden_units * (hidden_units + 1)
    assert lecture_parameter_count(hidden_units, depth) == expected
    assert parameter_count(config) == expected
    assert sum(p.numel() for p in MLP(config).parameters()) == expected
    assert Layout(config).size == expected
    assert region_bound(hidden_units, depth) == (hidden_units + 1) ** depth


@pytest.mark.parametrize("config", [
    ModelConfig(inputs=2, outputs=3, hidden_units=5, depth=2, batch_norm=True),
    ModelConfig(inputs=64, outputs=10, hidden_units=32, depth=1, dropout=0.2),
    ModelConfig(inputs=2, outputs=1, depth=0),
])
def test_parameter_count_of_any_configuration(config):
    assert parameter_count(config) == sum(p.numel() for p in MLP(config).parameters())
    assert Layout(config).size == parameter_count(config)


def test_depth_zero_is_linear_regression():
    """Trained to convergence (MSE, full-batch gradient descent), a network with no hidden layer
    is the lecture's least-squares line: beta1 = slope, beta0 = intercept, loss = RSS / n."""
    config = RunConfig(DatasetConfig(name="noisy_line", n_points=100, noise=0.2, seed=3),
                       ModelConfig(depth=0),
                       TrainingConfig(optimizer="sgd", learning_rate=0.5, seed=1))
    loop = Loop(config)
    assert lecture_parameter_count(8, 0) == 2 == sum(p.numel() for p in loop.model.parameters())
    loop.step(1500)
    (weight, bias), = loop.model.affine_layers()
    x, y = loop.data.x_train.numpy(), loop.data.y_train.numpy()
    fit = linear_regression(x, y)
    assert abs(fit.beta1 - 0.8) < 0.1 and abs(fit.beta0 - 0.3) < 0.1  # the data's own line
    assert weight[0, 0] == pytest.approx(fit.beta1, abs=1e-5)
    assert bias[0] == pytest.approx(fit.beta0, abs=1e-5)
    assert loop.losses()[0] == pytest.approx(fit.rss / len(x), rel=1e-5)


@pytest.mark.parametrize("init", ["default", "he", "xavier"])
def test_init_is_seeded_and_has_the_scheme_spread(init):
    config = ModelConfig(hidden_units=400, depth=2, init=init)
    first = MLP(config, torch.Generator().manual_seed(1))
    second = MLP(config, torch.Generator().manual_seed(1))
    other = MLP(config, torch.Generator().manual_seed(2))
    for a, b in zip(first.parameters(), second.parameters(), strict=True):
        assert torch.equal(a, b)
    assert not torch.equal(first.layers[2].weight, other.layers[2].weight)
    weight = first.layers[2].weight.detach()  # 400 x 400 hidden layer
    fan = 400
    expected_std = {"default": 1 / math.sqrt(3 * fan), "he": math.sqrt(2 / fan),
                    "xavier": math.sqrt(2 / (fan + fan))}[init]
    assert float(weight.std()) == pytest.approx(expected_std, rel=0.02)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_backward_matches_autograd(name):
    activation = ACTIVATIONS[name]
    z = torch.linspace(-3, 3, 101, dtype=torch.float64).requires_grad_(True)
    a = activation.fn(z)
    (expected,) = torch.autograd.grad(a.sum(), z)
    got = activation.backward(torch.ones_like(z), z.detach(), a.detach())
    torch.testing.assert_close(got, expected)
    if activation.piecewise_linear:
        left, right = activation.slopes
        torch.testing.assert_close(got[0], torch.tensor(left, dtype=torch.float64))
        torch.testing.assert_close(got[-1], torch.tensor(right, dtype=torch.float64))


def finite_difference(loss_of, flat: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    grad = torch.zeros_like(flat)
    for run in range(flat.shape[0]):
        for index in range(flat.shape[1]):
            plus, minus = flat.clone(), flat.clone()
            plus[run, index] += eps
            minus[run, index] -= eps
            grad[run, index] = (loss_of(plus) - loss_of(minus)) / (2 * eps)
    return grad


def tiny_problem(task: str, outputs: int, runs: int = 2, batch: int = 5, seed: int = 0):
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(runs, batch, 2, generator=generator, dtype=torch.float64)
    if task == "regression":
        target = torch.randn(runs, batch, outputs, generator=generator, dtype=torch.float64)
    elif task == "binary":
        target = (torch.rand(runs, batch, outputs, generator=generator) > 0.5).double()
    else:
        labels = torch.randint(0, outputs, (runs, batch), generator=generator)
        target = torch.nn.functional.one_hot(labels, outputs).double()
    valid = torch.ones(runs, batch, 1, dtype=torch.float64)
    valid[1, -2:] = 0.0  # the second run's batch is padded
    weight = valid / valid.sum(1, keepdim=True)  # each run's batch mean
    return x, target, valid, weight


@pytest.mark.parametrize("activation", ["relu", "tanh", "gelu", "silu", "leaky_relu"])
@pytest.mark.parametrize("task,outputs", [("regression", 2), ("binary", 1), ("multiclass", 3)])
def test_hand_written_gradient_matches_finite_differences(activation, task, outputs):
    config = ModelConfig(inputs=2, outputs=outputs, hidden_units=3, depth=2,
                         activation=activation)
    network = Network(config)
    flat = torch.randn(2, network.layout.size, generator=torch.Generator().manual_seed(4),
                       dtype=torch.float64)
    x, target, valid, weight = tiny_problem(task, outputs)
    problem = TaskMix([task, task], torch.device("cpu"))

    def loss_of(params):
        out = network.forward(params, x)
        return float((problem.loss(out, target) * weight[..., 0]).sum())

    scaled = weight * gradient_scale(task, outputs)
    got = network.gradient(network.layout.linear(flat), problem, x, target, scaled)
    torch.testing.assert_close(got, finite_difference(loss_of, flat), rtol=1e-5, atol=1e-7)


def test_mixed_tasks_in_one_group_use_each_runs_loss():
    network = Network(ModelConfig(inputs=2, outputs=1, hidden_units=3, depth=1))
    flat = torch.randn(2, network.layout.size, dtype=torch.float64,
                       generator=torch.Generator().manual_seed(1))
    x, target, _, weight = tiny_problem("binary", 1)
    mixed = TaskMix(["regression", "binary"], torch.device("cpu"))
    out = network.forward(flat, x)
    loss = mixed.loss(out, target)
    torch.testing.assert_close(loss[0], (out[0] - target[0]).square()[:, 0])
    expected = torch.nn.functional.binary_cross_entropy_with_logits(
        out[1], target[1], reduction="none")[:, 0]
    torch.testing.assert_close(loss[1], expected)


def test_autograd_path_with_batch_norm_matches_finite_differences():
    config = ModelConfig(inputs=2, outputs=1, hidden_units=3, depth=2, batch_norm=True,
                         activation="tanh")
    network = Network(config)
    flat = torch.randn(2, network.layout.size, generator=torch.Generator().manual_seed(2),
                       dtype=torch.float64)
    stats = network.layout.initial_stats(2).double()
    x, target, valid, weight = tiny_problem("regression", 1)
    problem = TaskMix(["regression", "regression"], torch.device("cpu"))

    def loss_of(params):
        out_stats = stats.clone()
        with torch.no_grad():
            h = x
            linear = network.layout.linear(params)
            for index, (slot, layer) in enumerate(zip(network.layout.slots, linear,
                                                      strict=True)):
                h = torch.baddbmm(layer.b.unsqueeze(1), h, layer.w.transpose(1, 2))
                if index == len(linear) - 1:
                    break
                h = torch.tanh(network._norm_train(params, out_stats, slot, h, valid))
            return float((problem.loss(h, target) * weight[..., 0]).sum())

    got, new_stats = network.autograd_gradient(flat, stats, problem, x, target, weight, valid,
                                               None)
    torch.testing.assert_close(got, finite_difference(loss_of, flat), rtol=1e-5, atol=1e-7)
    assert not torch.equal(new_stats, stats)  # running statistics moved


def test_affine_layers_fold_batch_norm_like_eval_mode():
    config = ModelConfig(inputs=2, outputs=2, hidden_units=4, depth=2, batch_norm=True)
    generator = torch.Generator().manual_seed(0)
    module = MLP(config, generator)
    module.train()
    with torch.no_grad():
        for _ in range(3):  # move the running statistics away from (0, 1)
            module(torch.randn(16, 2, generator=generator) * 3 + 1)
        for norm in module.layers:
            if isinstance(norm, torch.nn.BatchNorm1d):
                norm.weight.uniform_(0.5, 2.0, generator=generator)
                norm.bias.uniform_(-1.0, 1.0, generator=generator)
    module.eval()
    x = torch.randn(10, 2, generator=generator)
    with torch.no_grad():
        expected = module(x).double().numpy()
    h = x.double().numpy().T
    layers = module.affine_layers()
    for index, (weight, bias) in enumerate(layers):
        assert weight.dtype == np.float64
        h = weight @ h + bias[:, None]
        if index < len(layers) - 1:
            h = np.maximum(h, 0)
    np.testing.assert_allclose(h.T, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("field,value", [("hidden_units", 0), ("depth", -1), ("inputs", 1.5),
                                         ("activation", "swish"), ("init", "orthogonal"),
                                         ("dropout", 1.0), ("batch_norm", "yes")])
def test_bad_model_config_raises_value_error_naming_the_field(field, value):
    with pytest.raises(ValueError, match=field):
        ModelConfig(**{field: value})
