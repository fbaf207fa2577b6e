"""The network diagram's math (models/diagram.py) and the bounds beside the region count
(models/pictures.py) against independent references: the reference torch module of a trained run
(forward hooks for every unit), edges ranked by plain sorting, sign changes of each unit's
pre-activation walked along the square's edge, the lecture's formulas and parameter_count."""

import math

import numpy as np
import pytest
import torch

from models.analysis import region_map_2d
from models.diagram import (
    clip_line,
    joint_lines,
    network_view,
    strongest_edges,
    thumbnail_resolution,
    thumbnails_2d,
)
from models.engine import RunGroup, dropped_units
from models.network import ModelConfig, parameter_count, region_bound
from models.pictures import batch_norm_parameters, grid_2d, parameter_terms, region_bound_for

from .conftest import run_config

SQUARE = ((-1.5, 1.5), (-1.5, 1.5))


def trained(config, steps: int = 30) -> RunGroup:
    group = RunGroup(config.model, config.training.optimizer, "cpu", eval_every=10)
    group.add("run", config)
    group.step(steps)
    return group


def hooked_units(module: torch.nn.Module, points: np.ndarray):
    """Every Linear's output and every activation's output of the reference module at points."""
    linears, activations = [], []
    hooks = []
    for layer in module.layers:
        if isinstance(layer, torch.nn.Linear):
            hooks.append(layer.register_forward_hook(lambda m, i, o: linears.append(o)))
        elif not isinstance(layer, torch.nn.Dropout | torch.nn.BatchNorm1d):
            hooks.append(layer.register_forward_hook(lambda m, i, o: activations.append(o)))
    with torch.no_grad():
        output = module(torch.from_numpy(points).float())
    for hook in hooks:
        hook.remove()
    return ([t.double().numpy().T for t in linears[:-1]], [t.double().numpy().T for t in
                                                           activations], output.double().numpy())


@pytest.mark.parametrize("batch_norm", [False, True])
def test_the_network_is_the_reference_modules_weights(batch_norm):
    config = run_config(dataset="circle", inputs=2, depth=2, hidden_units=8, batch_size=16,
                        batch_norm=batch_norm)
    group = trained(config)
    view = network_view(group.layers()["run"], batch_norm, 0.0)
    assert view.widths == (2, 8, 8, 1) and not view.summary
    assert view.batch_norm == (batch_norm, batch_norm) and view.dropped is None
    for layer, (weight, bias) in zip(view.layers, group.module("run").affine_layers(),
                                     strict=True):
        np.testing.assert_allclose(layer.weight, weight, rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(layer.bias, bias, rtol=1e-6, atol=1e-7)
        assert layer.strongest is None


def test_wide_layers_are_summarised_by_their_strongest_edges():
    rng = np.random.default_rng(3)
    layers = [(rng.normal(size=(40, 64)), rng.normal(size=40)),
              (rng.normal(size=(10, 40)), rng.normal(size=10))]
    view = network_view(layers, False, 0.0)
    assert view.summary and view.widths == (64, 40, 10)
    for layer, (weight, _) in zip(view.layers, layers, strict=True):
        assert layer.weight is None
        ranked = sorted(((abs(weight[r, c]), r, c) for r in range(weight.shape[0])
                         for c in range(weight.shape[1])), reverse=True)[:64]
        edges = layer.strongest
        assert len(edges.weight) == 64
        assert {(r, c) for _, r, c in ranked} == set(zip(edges.to.tolist(),
                                                         edges.source.tolist(), strict=True))
        np.testing.assert_array_equal(edges.weight, weight[edges.to, edges.source])
        assert np.all(np.diff(np.abs(edges.weight)) <= 0)
    assert view.layers[0].bias is None  # 40 units: not drawn one by one
    np.testing.assert_array_equal(view.layers[1].bias, layers[1][1])  # 10 output nodes are


def test_dropped_units_are_passed_on_sorted_per_layer():
    model = ModelConfig(hidden_units=8, depth=2, dropout=0.5)
    dropped = dropped_units(model, seed=4, step=9)
    layers = [(np.ones((8, 1)), np.zeros(8)), (np.ones((8, 8)), np.zeros(8)),
              (np.ones((1, 8)), np.zeros(1))]
    view = network_view(layers, False, 0.5, dropped)
    assert view.dropped == tuple(tuple(sorted(int(u) for u in d)) for d in dropped)
    assert strongest_edges(np.array([[1.0, -3.0], [2.0, 0.5]]), 2).weight.tolist() == [-3.0, 2.0]


@pytest.mark.parametrize("depth", [0, 1, 2])
def test_thumbnails_are_the_reference_modules_units_over_the_grid(depth):
    config = run_config(dataset="blobs" if depth == 1 else "circle", inputs=2,
                        outputs=3 if depth == 1 else 1, depth=depth, hidden_units=8,
                        batch_size=16)
    group = trained(config)
    thumbs = thumbnails_2d(group.layers()["run"], "relu", SQUARE)
    assert thumbs is not None and len(thumbs.x) == 20
    grid = grid_2d(SQUARE, 20)
    np.testing.assert_allclose(thumbs.x, grid.x)
    pre, post, output = hooked_units(group.module("run"), grid.points)
    assert len(thumbs.pre) == depth == len(thumbs.post)
    for ours, theirs in zip(thumbs.pre + thumbs.post, pre + post, strict=True):
        np.testing.assert_allclose(ours, theirs.reshape(-1, 20, 20), rtol=1e-5, atol=1e-5)
    outputs = config.model.outputs
    np.testing.assert_allclose(thumbs.output, output.T.reshape(outputs, 20, 20), rtol=1e-5,
                               atol=1e-5)
    weight = group.layers()["run"][-1][0]  # (outputs, H_last)
    last = (post[-1] if depth else grid.points.T).reshape(-1, 20, 20)
    np.testing.assert_allclose(thumbs.weighted, weight[:, :, None, None] * last[None],
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(thumbs.weighted.sum(1) + thumbs.bias[:, None, None],
                               thumbs.output, rtol=1e-9, atol=1e-9)
    assert (thumbs.lines is None) == (depth == 0)


def test_thumbnails_with_input_features_are_the_reference_modules_units():
    """The module adds the features itself (models/features.py): hooked on raw (x1, x2) points,
    its units are the thumbnails; a unit of x1^2 bends on a curve, so no joint lines."""
    features = ("x1_squared", "x1_x2")
    config = run_config(dataset="circle", inputs=2, depth=1, hidden_units=4, batch_size=16,
                        features=features)
    group = trained(config)
    layers = group.layers()["run"]
    assert layers[0][0].shape == (4, 4)
    thumbs = thumbnails_2d(layers, "relu", SQUARE, features=features)
    grid = grid_2d(SQUARE, len(thumbs.x))
    pre, post, output = hooked_units(group.module("run"), grid.points)
    res = len(thumbs.x)
    np.testing.assert_allclose(thumbs.pre[0], pre[0].reshape(-1, res, res), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(thumbs.post[0], post[0].reshape(-1, res, res), rtol=1e-5,
                               atol=1e-5)
    np.testing.assert_allclose(thumbs.output, output.T.reshape(1, res, res), rtol=1e-5, atol=1e-5)
    assert thumbs.lines is None
    with pytest.raises(ValueError, match="features"):
        thumbnails_2d(layers, "relu", SQUARE)  # 4 columns without naming the features


def test_no_region_bound_with_input_features():
    assert region_bound_for([3, 8, 1], "relu", features=True) is None
    assert region_bound_for([1, 8, 1], "relu") == (9, "lecture")


def test_the_thumbnail_grid_shrinks_to_its_budget_and_gives_up_below_six():
    def net(*widths):
        return [(np.zeros((b, a)), np.zeros(b)) for a, b in zip(widths, widths[1:], strict=False)]

    assert thumbnail_resolution(net(2, 8, 8, 1)) == 20  # 41 planes
    assert thumbnail_resolution(net(2, 32, 32, 32, 32, 1)) == math.isqrt(24_000 // 289)
    assert thumbnail_resolution(net(2, *[32] * 8, 1)) == 6  # 545 planes: the coarsest grid
    assert thumbnail_resolution(net(2, *[32] * 12, 1)) is None  # 801 planes
    assert thumbnails_2d(net(2, 40, 1), "relu", SQUARE) is None  # over 32 units in a layer


def boundary_crossings(w1, w2, b, square, points: int = 400_001):
    """Where w1 x + w2 y + b changes sign walking once around the square's edge."""
    (x_lo, x_hi), (y_lo, y_hi) = square
    t = np.linspace(0, 4, points)
    side, s = np.minimum(t.astype(int), 3), t - np.minimum(t.astype(int), 3)
    x = np.choose(side, [x_lo + s * (x_hi - x_lo), np.full_like(s, x_hi),
                         x_hi - s * (x_hi - x_lo), np.full_like(s, x_lo)])
    y = np.choose(side, [np.full_like(s, y_lo), y_lo + s * (y_hi - y_lo),
                         np.full_like(s, y_hi), y_hi - s * (y_hi - y_lo)])
    value = w1 * x + w2 * y + b
    change = np.flatnonzero(np.sign(value[1:]) * np.sign(value[:-1]) < 0)
    return [(x[i], y[i]) for i in change]


@pytest.mark.parametrize("seed", range(6))
def test_joint_lines_end_where_the_pre_activation_changes_sign_on_the_edge(seed):
    rng = np.random.default_rng(seed)
    layers = [(rng.normal(size=(12, 2)), rng.normal(scale=1.5, size=12)),
              (rng.normal(size=(1, 12)), np.zeros(1))]
    for (w1, w2), b, line in zip(*layers[0], joint_lines(layers, SQUARE), strict=True):
        crossings = boundary_crossings(w1, w2, b, SQUARE)
        if line is None:
            assert len(crossings) == 0
            continue
        assert len(crossings) == 2
        for point in line:
            assert w1 * point[0] + w2 * point[1] + b == pytest.approx(0, abs=1e-9)
            assert min(math.dist(point, c) for c in crossings) < 1e-4


def test_joint_lines_of_special_cases():
    assert clip_line(0.0, 0.0, 1.0, SQUARE) is None  # no line at all
    assert clip_line(1.0, 1.0, 10.0, SQUARE) is None  # misses the square
    assert clip_line(1.0, 1.0, 3.0, SQUARE) is None  # x + y = -3 only touches (-1.5, -1.5)
    assert sorted(clip_line(1.0, 0.0, -0.5, SQUARE)) == [(0.5, -1.5), (0.5, 1.5)]  # x = 0.5
    assert sorted(clip_line(1.0, -1.0, 0.0, SQUARE)) == [(-1.5, -1.5), (1.5, 1.5)]  # diagonal


def test_the_region_bounds_are_the_lectures_and_zaslavskys():
    for hidden, depth in [(8, 1), (3, 2), (5, 3), (8, 0)]:
        widths = ModelConfig(hidden_units=hidden, depth=depth).widths()
        assert region_bound_for(widths, "relu") == (region_bound(hidden, depth), "lecture")
    assert region_bound_for([1, 3, 5, 1], "relu") == (4 * 6, "lecture")  # unequal widths
    assert region_bound_for([2, 8, 1], "relu") == (37, "zaslavsky")
    assert region_bound_for([2, 8, 3], "leaky_relu") == (1 + 8 + 28, "zaslavsky")
    assert region_bound_for([2, 1], "relu") == (1, "zaslavsky")
    assert region_bound_for([2, 8, 8, 1], "relu") is None
    assert region_bound_for([64, 8, 10], "relu") is None
    assert region_bound_for([1, 8, 1], "tanh") is None
    for hidden in (1, 4, 9):  # one input, one layer: both bounds are D + 1
        assert sum(math.comb(hidden, j) for j in range(2)) == region_bound(hidden, 1)


@pytest.mark.parametrize("seed", range(3))
def test_a_shallow_2_input_relu_net_stays_within_zaslavskys_bound(seed):
    rng = np.random.default_rng(seed)
    layers = [(rng.normal(size=(8, 2)), rng.normal(scale=0.5, size=8)),
              (rng.normal(size=(1, 8)), np.zeros(1))]
    _, count = region_map_2d(layers, "relu", (-20, 20), (-20, 20), 600)
    assert count <= region_bound_for([2, 8, 1], "relu")[0] == 37
    assert count > 20  # most lines cross this wide square: the bound is nearly met


@pytest.mark.parametrize("model", [
    ModelConfig(), ModelConfig(inputs=2, outputs=3, hidden_units=5, depth=3),
    ModelConfig(inputs=64, outputs=10, hidden_units=32, depth=1, batch_norm=True),
    ModelConfig(inputs=2, depth=0), ModelConfig(hidden_units=4, depth=2, batch_norm=True)])
def test_parameter_terms_add_up_to_the_parameter_count(model):
    widths = model.widths()
    terms = parameter_terms(widths)
    assert [fan_in for fan_in, _ in terms] == widths[:-1]
    assert [fan_out for _, fan_out in terms] == widths[1:]
    total = sum((fan_in + 1) * fan_out for fan_in, fan_out in terms)
    assert total + batch_norm_parameters(widths, model.batch_norm) == parameter_count(model)
