"""Tests for models/analysis.py against independent references: a torch forward pass written here,
dense sampling of slopes and activation patterns, hand-computed kinks, numpy.linalg.lstsq."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from models.analysis import (
    evaluate,
    linear_regression,
    piecewise_1d,
    polyline_x,
    region_map_2d,
    unit_decomposition_1d,
)

TORCH_ACTIVATIONS = {
    "relu": torch.relu, "leaky_relu": lambda z: F.leaky_relu(z, 0.01), "identity": lambda z: z,
    "sigmoid": torch.sigmoid, "tanh": torch.tanh, "gelu": F.gelu, "silu": F.silu,
}
PIECEWISE = ("relu", "leaky_relu")
SMOOTH = ("sigmoid", "tanh", "gelu", "silu")
# (hidden widths) for 1-input, 1-output nets of depth 0..3
SHAPES = [(), (1,), (3,), (16,), (8, 8), (5, 7), (6, 6, 6), (16, 16, 16)]


def random_layers(seed: int, widths, inputs: int = 1, outputs: int = 1):
    rng = np.random.default_rng(seed)
    sizes = [inputs, *widths, outputs]
    return [(rng.normal(size=(out, fan_in)) / np.sqrt(fan_in), rng.uniform(-1, 1, size=out))
            for fan_in, out in zip(sizes[:-1], sizes[1:], strict=True)]


def torch_forward(layers, activation, x, patterns=False):
    """Reference forward pass: outputs (N, out), or the hidden on/off patterns (N, units)."""
    h = torch.as_tensor(np.asarray(x, dtype=np.float64).reshape(len(x), -1))
    signs = []
    for weight, bias in layers[:-1]:
        z = h @ torch.from_numpy(weight).T + torch.from_numpy(bias)
        signs.append(z > 0)
        h = TORCH_ACTIVATIONS[activation](z)
    if patterns:
        return torch.cat(signs, dim=1).numpy() if signs else np.zeros((len(x), 0), dtype=bool)
    weight, bias = layers[-1]
    return (h @ torch.from_numpy(weight).T + torch.from_numpy(bias)).numpy()


def test_hand_set_relu_units_give_hand_computed_kinks():
    # y = relu(x + 0.5) - 2 relu(x) + 3 relu(x - 0.5) + 0.1: kinks at -0.5, 0, 0.5.
    layers = [(np.ones((3, 1)), np.array([0.5, 0.0, -0.5])), (np.array([[1.0, -2.0, 3.0]]),
                                                              np.array([0.1]))]
    (piece,) = piecewise_1d(layers, "relu", -1.0, 1.0)
    np.testing.assert_allclose(piece.breakpoints, [-0.5, 0.0, 0.5], atol=1e-12)
    np.testing.assert_allclose(piece.slopes, [0.0, 1.0, -1.0, 2.0], atol=1e-12)
    np.testing.assert_allclose(piece.intercepts, [0.1, 0.6, 0.6, -0.9], atol=1e-12)
    assert piece.region_count == 4
    np.testing.assert_allclose(polyline_x(layers, "relu", -1, 1), [-1, -0.5, 0, 0.5, 1])
    assert [p[:2] for p in piece.pieces()] == [(-1.0, -0.5), (-0.5, 0.0), (0.0, 0.5), (0.5, 1.0)]
    # On [0.2, 2] only the kink at 0.5 is inside.
    (piece,) = piecewise_1d(layers, "relu", 0.2, 2.0)
    np.testing.assert_allclose(piece.breakpoints, [0.5])
    # leaky_relu: the flat pieces get slope 0.01 per unit that is off.
    (piece,) = piecewise_1d(layers, "leaky_relu", -1.0, 1.0)
    np.testing.assert_allclose(piece.slopes, [0.02, 1.01, -0.97, 2.0], atol=1e-12)


def test_switch_without_bend_is_a_boundary_not_a_breakpoint():
    # Unit 2 has output weight 0; units 3 and 4 kink at the same x = 0.25.
    layers = [(np.array([[1.0], [1.0], [2.0], [4.0]]), np.array([0.0, 0.5, -0.5, -1.0])),
              (np.array([[1.0, 0.0, 1.0, 1.0]]), np.array([0.0]))]
    (piece,) = piecewise_1d(layers, "relu", -1.0, 1.0)
    np.testing.assert_allclose(piece.boundaries, [-0.5, 0.0, 0.25], atol=1e-12)
    np.testing.assert_allclose(piece.breakpoints, [0.0, 0.25], atol=1e-12)
    assert piece.region_count == 4
    np.testing.assert_allclose(piece.slopes, [0.0, 1.0, 7.0])


def test_hand_set_deep_network():
    # h = relu(x); g1 = relu(h - 0.5); g2 = relu(0.5 - h); y = g1 + 2 g2.
    layers = [(np.array([[1.0]]), np.array([0.0])),
              (np.array([[1.0], [-1.0]]), np.array([-0.5, 0.5])),
              (np.array([[1.0, 2.0]]), np.array([0.0]))]
    (piece,) = piecewise_1d(layers, "relu", -1.0, 2.0)
    np.testing.assert_allclose(piece.boundaries, [0.0, 0.5], atol=1e-12)
    np.testing.assert_allclose(piece.breakpoints, [0.0, 0.5], atol=1e-12)
    np.testing.assert_allclose(piece.slopes, [0.0, -2.0, 1.0], atol=1e-12)
    np.testing.assert_allclose(piece.intercepts, [1.0, 1.0, -0.5], atol=1e-12)
    only_g1 = layers[:2] + [(np.array([[1.0, 0.0]]), np.array([0.0]))]
    (piece,) = piecewise_1d(only_g1, "relu", -1.0, 2.0)
    np.testing.assert_allclose(piece.breakpoints, [0.5])  # the kink of h at 0 stays flat
    assert piece.region_count == 3


@pytest.mark.parametrize("activation", PIECEWISE)
@pytest.mark.parametrize("widths", SHAPES)
def test_every_affine_piece_reproduces_the_network(activation, widths):
    rng = np.random.default_rng(1)
    for seed in range(3):
        layers = random_layers(seed, widths, outputs=2)
        pieces = piecewise_1d(layers, activation, -2.0, 2.0)
        assert len(pieces) == 2
        for output, piece in enumerate(pieces):
            assert len(piece.slopes) == len(piece.intercepts) == len(piece.breakpoints) + 1
            assert np.all(np.diff(piece.breakpoints) > 0)
            for x0, x1, slope, intercept in piece.pieces():
                x = rng.uniform(x0, x1, size=5)
                expected = torch_forward(layers, activation, x)[:, output]
                np.testing.assert_allclose(slope * x + intercept, expected, rtol=1e-9, atol=1e-9)
            x = np.linspace(-2, 2, 1001)
            np.testing.assert_allclose(piece(x), torch_forward(layers, activation, x)[:, output],
                                       rtol=1e-9, atol=1e-9)


def _clusters(marks: np.ndarray) -> list[int]:
    """Indices of runs of marked cells (neighbours within 2 cells are one run)."""
    index = np.flatnonzero(marks)
    if len(index) == 0:
        return []
    starts = np.concatenate([[True], np.diff(index) > 2])
    return index[starts].tolist()


@pytest.mark.parametrize("activation", PIECEWISE)
@pytest.mark.parametrize("widths", [(4,), (16,), (6, 6), (5, 5, 5)])
def test_kinks_and_regions_match_dense_sampling(activation, widths):
    grid = np.linspace(-2.0, 2.0, 400_001)
    spacing = grid[1] - grid[0]
    checked = 0
    for seed in range(6):
        layers = random_layers(seed, widths)
        (piece,) = piecewise_1d(layers, activation, -2.0, 2.0)
        gaps = np.diff([-2.0, *piece.boundaries, 2.0])
        if gaps.min() < 8 * spacing:
            continue  # two kinks in neighbouring cells cannot be told apart by sampling
        checked += 1
        y = torch_forward(layers, activation, grid)[:, 0]
        slope = np.diff(y) / spacing
        bent = np.abs(np.diff(slope)) > 1e-6 * max(1.0, np.abs(slope).max())
        found = grid[1:-1][_clusters(bent)]
        assert len(found) == len(piece.breakpoints)
        np.testing.assert_allclose(found, piece.breakpoints, atol=3 * spacing)
        patterns = torch_forward(layers, activation, grid, patterns=True)
        changed = np.any(patterns[1:] != patterns[:-1], axis=1)
        assert changed.sum() + 1 == piece.region_count
        np.testing.assert_allclose(grid[1:][changed], piece.boundaries, atol=spacing)
        np.testing.assert_allclose(polyline_x(layers, activation, -2, 2),
                                   [-2.0, *piece.boundaries, 2.0])
    assert checked >= 3


@pytest.mark.parametrize("widths", [(2,), (3,), (2, 2), (3, 3), (2, 2, 2), (4, 4, 4)])
def test_region_count_never_exceeds_the_lecture_bound(widths):
    bound = (widths[0] + 1) ** len(widths)  # (D + 1)^K
    for seed in range(40):
        layers = random_layers(seed, widths)
        (piece,) = piecewise_1d(layers, "relu", -20.0, 20.0)
        assert 1 <= piece.region_count <= bound


def test_linear_networks_have_one_piece():
    layers = random_layers(0, (8, 8))
    (piece,) = piecewise_1d(layers, "identity", -2, 2)
    assert piece.region_count == 1 and len(piece.breakpoints) == 0
    x = np.array([-1.0, 0.5])
    np.testing.assert_allclose(piece(x), torch_forward(layers, "identity", x)[:, 0])
    (piece,) = piecewise_1d(random_layers(0, ()), "relu", -2, 2)
    assert piece.region_count == 1


@pytest.mark.parametrize("activation", SMOOTH)
def test_smooth_activations_have_no_breakpoints(activation):
    layers = random_layers(0, (8,))
    assert piecewise_1d(layers, activation, -1, 1) is None
    np.testing.assert_allclose(polyline_x(layers, activation, -1, 1, n_smooth=11),
                               np.linspace(-1, 1, 11))
    assert region_map_2d(random_layers(0, (8,), inputs=2), activation, (-1, 1), (-1, 1), 10) is None


@pytest.mark.parametrize("activation", sorted(TORCH_ACTIVATIONS))
@pytest.mark.parametrize("inputs, widths, outputs", [(1, (), 1), (1, (5,), 2), (2, (4, 3), 3),
                                                     (64, (16,), 10)])
def test_evaluate_matches_torch(activation, inputs, widths, outputs):
    layers = random_layers(3, widths, inputs, outputs)
    x = np.random.default_rng(0).normal(size=(50, inputs))
    got = evaluate(layers, activation, x)
    assert got.shape == (50, outputs)
    np.testing.assert_allclose(got, torch_forward(layers, activation, x), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("activation", ["relu", "tanh"])
@pytest.mark.parametrize("widths", [(), (4,), (3, 5)])
def test_unit_decomposition_matches_a_torch_forward(activation, widths):
    layers = random_layers(4, widths, outputs=2)
    x = np.linspace(-2, 2, 33)
    parts = unit_decomposition_1d(layers, activation, x)
    h = torch.from_numpy(x[:, None])
    for index, (weight, bias) in enumerate(layers[:-1]):
        z = h @ torch.from_numpy(weight).T + torch.from_numpy(bias)  # (N, H)
        h = TORCH_ACTIVATIONS[activation](z)
        np.testing.assert_allclose(parts.pre[index], z.numpy().T, atol=1e-12)
        np.testing.assert_allclose(parts.post[index], h.numpy().T, atol=1e-12)
    assert len(parts.pre) == len(parts.post) == len(widths)
    assert parts.weighted.shape == (2, widths[-1] if widths else 1, 33)
    np.testing.assert_allclose(parts.total, torch_forward(layers, activation, x).T, atol=1e-12)
    np.testing.assert_allclose(parts.weighted.sum(axis=1) + parts.bias[:, None], parts.total,
                               atol=1e-12)


@pytest.mark.parametrize("activation", PIECEWISE)
@pytest.mark.parametrize("widths", [(1,), (6,), (5, 5), (8, 8, 8)])
def test_region_map_matches_unique_sign_patterns(activation, widths):
    layers = random_layers(5, widths, inputs=2)
    region_id, count = region_map_2d(layers, activation, (-1.5, 1.5), (-1.0, 2.0), 60)
    assert region_id.shape == (60, 60)
    xx, yy = np.meshgrid(np.linspace(-1.5, 1.5, 60), np.linspace(-1.0, 2.0, 60))
    patterns = torch_forward(layers, activation, np.stack([xx.ravel(), yy.ravel()], 1),
                             patterns=True)
    assert count == len({tuple(p) for p in patterns})
    assert sorted(set(region_id.ravel().tolist())) == list(range(count))
    # Same id <=> same pattern.
    pairs = {(int(i), tuple(p)) for i, p in zip(region_id.ravel(), patterns, strict=True)}
    assert len(pairs) == count
    assert region_id[0, 0] == 0  # ids in order of first appearance
    assert region_map_2d(layers, "identity", (-1, 1), (-1, 1), 10)[1] == 1


def test_linear_regression_agrees_with_lstsq():
    rng = np.random.default_rng(0)
    x = rng.uniform(-2, 2, size=40)
    y = 0.7 - 1.3 * x + rng.normal(scale=0.3, size=40)
    fit = linear_regression(x, y)
    design = np.stack([np.ones_like(x), x], axis=1)
    (beta0, beta1), rss, _, _ = np.linalg.lstsq(design, y, rcond=None)
    np.testing.assert_allclose([fit.beta0, fit.beta1, fit.rss], [beta0, beta1, rss[0]],
                               rtol=1e-10)
    flat = linear_regression(np.ones(5), np.arange(5.0))
    assert flat.beta1 == 0.0 and flat.beta0 == 2.0 and flat.rss == 10.0


def test_works_with_the_reference_module():
    from models.network import MLP, ModelConfig

    model = MLP(ModelConfig(hidden_units=8, depth=2), generator=torch.Generator().manual_seed(0))
    layers = model.affine_layers()
    (piece,) = piecewise_1d(layers, "relu", -1.0, 1.0)
    x = torch.linspace(-1, 1, 257, dtype=torch.float64)
    with torch.no_grad():
        expected = model(x[:, None].float())[:, 0].double().numpy()
    np.testing.assert_allclose(piece(x.numpy()), expected, atol=1e-5)


@pytest.mark.parametrize("call, message", [
    (lambda: piecewise_1d(random_layers(0, (3,)), "relu", 1.0, 1.0), "lo < hi"),
    (lambda: piecewise_1d(random_layers(0, (3,)), "relu", 0.0, np.inf), "lo < hi"),
    (lambda: piecewise_1d(random_layers(0, (3,), inputs=2), "relu", 0, 1), "1-input"),
    (lambda: piecewise_1d(random_layers(0, (3,)), "swish9", 0, 1), "unknown activation"),
    (lambda: piecewise_1d([], "relu", 0, 1), "output layer"),
    (lambda: evaluate([(np.ones((3, 1)), np.zeros(3)), (np.ones((1, 4)), np.zeros(1))], "relu",
                      np.zeros((2, 1))), "takes 4 inputs"),
    (lambda: evaluate([(np.ones((3, 1)), np.zeros(2))], "relu", np.zeros((2, 1))), "b"),
    (lambda: evaluate(random_layers(0, (3,), inputs=2), "relu", np.zeros((2, 3))), r"\(N, 2\)"),
    (lambda: region_map_2d(random_layers(0, (3,)), "relu", (0, 1), (0, 1), 10), "2-input"),
    (lambda: linear_regression([], []), "at least one"),
    (lambda: linear_regression([0.0, 1.0], [0.0, np.nan]), "finite"),
])
def test_bad_arguments_raise_value_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()
