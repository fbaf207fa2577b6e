"""Tests for models/pictures.py against independent references: torch.sigmoid and torch.softmax,
a torch forward pass over the grid, sign changes of each unit's pre-activation on a dense grid,
and confusion matrices counted by hand."""

import numpy as np
import pytest
import torch

from models.datasets import DatasetConfig, make_dataset
from models.pictures import (
    DigitsView,
    View1D,
    View2D,
    class_probabilities,
    digits_view,
    grid_2d,
    linear_region_count,
    picture,
    unit_joints,
    view_1d,
    view_2d,
)

from .test_analysis import random_layers, torch_forward


def test_probabilities_are_torchs_sigmoid_and_softmax():
    output = np.random.default_rng(0).normal(scale=4.0, size=(50, 3))
    output[0] = [1000.0, -1000.0, 0.0]  # far beyond exp's range: still exact, no NaN
    binary = class_probabilities("binary", output[:, :1])
    np.testing.assert_allclose(binary, torch.sigmoid(torch.from_numpy(output[:, :1])).numpy(),
                               rtol=1e-12, atol=1e-300)
    multi = class_probabilities("multiclass", output)
    np.testing.assert_allclose(multi, torch.softmax(torch.from_numpy(output), 1).numpy(),
                               rtol=1e-12, atol=1e-300)
    assert np.isfinite(binary).all() and np.isfinite(multi).all()
    assert class_probabilities("regression", output) is None


def sign_changes(layers, lo: float, hi: float, points: int = 200_001):
    """Where each first-layer unit's pre-activation changes sign on a dense grid (None: never)."""
    grid = np.linspace(lo, hi, points)
    weight, bias = layers[0]
    pre = weight @ grid[None, :] + bias[:, None]  # (H, points)
    found = []
    for row in pre:
        change = np.flatnonzero(np.sign(row[1:]) != np.sign(row[:-1]))
        found.append(None if len(change) == 0 else grid[change[0]])
    return found, grid[1] - grid[0]


@pytest.mark.parametrize("seed", range(5))
def test_joints_are_where_each_units_pre_activation_changes_sign(seed):
    layers = random_layers(seed, (12,))
    weight, bias = layers[0]
    weight[0, 0] = 0.0  # never switches
    weight[1, 0], bias[1] = 1.0, -5.0  # switches at x = 5, outside [-2, 2]
    joints = unit_joints(layers, -2.0, 2.0)
    found, spacing = sign_changes(layers, -2.0, 2.0)
    assert len(joints) == 12 and joints[0] is None and joints[1] is None
    for joint, sampled in zip(joints, found, strict=True):
        assert (joint is None) == (sampled is None)
        if joint is not None:
            assert abs(joint - sampled) <= spacing
    # In a shallow ReLU net every joint of a unit with a non-zero output weight is a kink.
    (piece,) = picture_pieces(layers)
    np.testing.assert_allclose(sorted(j for j in joints if j is not None), piece.breakpoints,
                               atol=1e-9)


def picture_pieces(layers):
    return view_1d(layers, "relu", "regression", -2.0, 2.0).pieces


@pytest.mark.parametrize("activation", ["relu", "tanh", "leaky_relu", "identity"])
@pytest.mark.parametrize("task, outputs", [("regression", 1), ("binary", 1), ("multiclass", 3)])
def test_1d_view_is_the_network_at_exact_abscissae(activation, task, outputs):
    layers = random_layers(2, (6,), outputs=outputs)
    view = view_1d(layers, activation, task, -1.5, 1.5)
    expected = torch_forward(layers, activation, view.x)  # (M, outputs)
    np.testing.assert_allclose(view.output, expected.T, rtol=1e-12, atol=1e-12)
    assert view.x[0] == -1.5 and view.x[-1] == 1.5 and np.all(np.diff(view.x) > 0)
    if task == "regression":
        assert view.probability is None
    else:
        reference = (torch.sigmoid if task == "binary" else lambda t: torch.softmax(t, 1))
        np.testing.assert_allclose(view.probability.T,
                                   reference(torch.from_numpy(expected)).numpy(), rtol=1e-12)
    np.testing.assert_allclose(view.units.total, view.output, atol=1e-12)
    smooth = activation == "tanh"
    assert (view.pieces is None) == smooth and (view.region_count is None) == smooth
    if not smooth:  # pattern changes between neighbouring abscissae + 1 = the region count
        assert view.region_count == len(view.x) - 1 == view.pieces[0].region_count
    assert (view.joints is not None) == (activation in ("relu", "leaky_relu"))


def test_1d_view_leaves_out_what_does_not_apply():
    deep = view_1d(random_layers(1, (5, 5)), "relu", "regression", -1, 1)
    assert deep.joints is None and len(deep.units.pre) == 2
    wide = view_1d(random_layers(1, (40,)), "relu", "regression", -1, 1, max_units=32)
    assert wide.units is None and wide.joints is not None and len(wide.joints) == 40
    huge = [(w * 1e200, b * 1e200) for w, b in random_layers(1, (5, 5))]
    assert view_1d(huge, "relu", "regression", -1, 1) is None  # an infinite output


@pytest.mark.parametrize("task, outputs", [("regression", 1), ("binary", 1), ("multiclass", 3)])
def test_2d_view_matches_a_torch_forward_over_the_grid(task, outputs):
    layers = random_layers(6, (7, 5), inputs=2, outputs=outputs)
    input_range = ((-1.5, 1.5), (-1.0, 2.0))
    view = view_2d(layers, "relu", task, input_range, 30)
    xs, ys = np.linspace(-1.5, 1.5, 30), np.linspace(-1.0, 2.0, 30)
    np.testing.assert_allclose(view.x, xs)
    np.testing.assert_allclose(view.y, ys)
    i, j = 7, 19  # row i is y[i], column j is x[j]
    out = torch.from_numpy(torch_forward(layers, "relu", np.array([[xs[j], ys[i]]])))
    everywhere = torch.from_numpy(torch_forward(layers, "relu", grid_2d(input_range, 30).points))
    if task == "regression":
        assert view.z[i, j] == pytest.approx(float(out[0, 0]), abs=1e-12)
        assert view.classes is None
    elif task == "binary":
        assert view.z[i, j] == pytest.approx(float(torch.sigmoid(out[0, 0])), abs=1e-12)
        expected = (torch.sigmoid(everywhere[:, 0]) > 0.5).long().numpy().reshape(30, 30)
        np.testing.assert_array_equal(view.classes, expected)
    else:
        probability = torch.softmax(everywhere, 1)
        np.testing.assert_allclose(view.z.ravel(), probability.max(1).values.numpy(), atol=1e-12)
        np.testing.assert_array_equal(view.classes.ravel(), probability.argmax(1).numpy())
    patterns = torch_forward(layers, "relu", grid_2d(input_range, 30).points, patterns=True)
    assert view.region_count == len({tuple(p) for p in patterns}) == view.regions.max() + 1
    assert view_2d(layers, "tanh", task, input_range, 10).regions is None


def test_digits_confusion_is_a_hand_count():
    data = make_dataset(DatasetConfig(name="digits", n_points=300))
    layers = random_layers(3, (16,), inputs=64, outputs=10)
    x, labels = data.x_test.numpy(), data.y_test.numpy()
    view = digits_view(layers, "relu", x, labels, 10)
    predicted = torch_forward(layers, "relu", x).argmax(1)
    hand = np.zeros((10, 10), np.int64)
    for truth, guess in zip(labels, predicted, strict=True):
        hand[truth, guess] += 1
    np.testing.assert_array_equal(view.confusion, hand)
    assert view.confusion.sum() == len(x) and len(view.samples) == 12
    first = view.samples[0]
    assert (first.label, first.predicted) == (labels[0], predicted[0])
    np.testing.assert_array_equal(first.pixels, x[0])
    empty = digits_view(layers, "relu", x[:0], labels[:0], 10)
    assert empty.confusion.sum() == 0 and empty.samples == ()


def test_linear_region_count_and_the_dispatch():
    one = random_layers(4, (8, 8))
    grid = np.linspace(-1.0, 1.0, 400_001)
    patterns = torch_forward(one, "relu", grid, patterns=True)
    changes = int(np.any(patterns[1:] != patterns[:-1], axis=1).sum())
    assert linear_region_count(one, "relu", ((-1.0, 1.0),), 48) == changes + 1
    assert linear_region_count(one, "tanh", ((-1.0, 1.0),), 48) is None
    nan = [(w * np.nan, b) for w, b in one]
    assert linear_region_count(nan, "relu", ((-1.0, 1.0),), 48) is None
    two = random_layers(4, (6,), inputs=2)
    assert linear_region_count(two, "relu", ((-1, 1), (-1, 1)), 20) == view_2d(
        two, "relu", "binary", ((-1, 1), (-1, 1)), 20).region_count
    assert linear_region_count(random_layers(4, (6,), inputs=3), "relu", ((0, 1),) * 3, 9) is None
    for name, inputs, outputs, kind in (("sine", 1, 1, View1D), ("circle", 2, 1, View2D),
                                        ("digits", 64, 10, DigitsView)):
        data = make_dataset(DatasetConfig(name=name, n_points=200))
        layers = random_layers(0, (8,), inputs=inputs, outputs=outputs)
        assert isinstance(picture(layers, "relu", data, 16), kind)
        assert picture([(w * np.inf, b) for w, b in layers], "relu", data, 16) is None
