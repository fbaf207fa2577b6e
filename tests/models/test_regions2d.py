"""Tests for models/regions2d.py against independent references: a torch forward pass at dense
random samples (each sample's activation pattern and output are its polygon's), the distinct
patterns on a fine grid, Zaslavsky's count for lines in general position, hand-made nets."""

import math

import numpy as np
import pytest

from models.regions2d import Region2D, linear_regions_2d, polygon_area

from .test_analysis import random_layers, torch_forward

PIECEWISE = ("relu", "leaky_relu")
X_RANGE, Y_RANGE = (-1.5, 1.5), (-1.0, 2.0)
SQUARE = ((-1.0, 1.0), (-1.0, 1.0))


def regions_of(layers, activation="relu", ranges=(X_RANGE, Y_RANGE), **options):
    return linear_regions_2d(layers, activation, *ranges, **options).regions


def samples(count: int, seed: int = 0, ranges=(X_RANGE, Y_RANGE)) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.uniform(*ranges[0], count), rng.uniform(*ranges[1], count)])


def shallow(lines, output=None):
    """A 2-D ReLU net with one unit per line (a, b, c): unit = relu(a x1 + b x2 + c)."""
    lines = np.asarray(lines, dtype=np.float64)
    output = np.ones((1, len(lines))) if output is None else np.asarray(output, np.float64)
    return [(lines[:, :2], lines[:, 2]), (output, np.zeros(1))]


def grid_patterns(layers, activation, resolution, ranges=(X_RANGE, Y_RANGE)):
    xs, ys = np.linspace(*ranges[0], resolution), np.linspace(*ranges[1], resolution)
    points = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
    return {tuple(p) for p in torch_forward(layers, activation, points, patterns=True)}


@pytest.mark.parametrize("activation", PIECEWISE)
@pytest.mark.parametrize("widths", [(), (1,), (5,), (12,), (6, 6), (8, 8), (5, 5, 5)])
@pytest.mark.parametrize("seed", range(3))
def test_every_sample_has_its_polygons_pattern_and_affine_map(activation, widths, seed):
    layers = random_layers(seed, widths, inputs=2, outputs=2)
    regions = regions_of(layers, activation)
    points = samples(20_000, seed)
    patterns = torch_forward(layers, activation, points, patterns=True)  # (N, units)
    outputs = torch_forward(layers, activation, points)  # (N, 2)
    homes = np.zeros(len(points), np.int64)
    for region in regions:
        homes += region.contains(points, 1e-9)
        inside = region.contains(points, -1e-9)  # clear of the edges
        np.testing.assert_array_equal(patterns[inside], np.broadcast_to(
            region.pattern, (int(inside.sum()), patterns.shape[1])))
        np.testing.assert_allclose(points[inside] @ region.weight.T + region.bias,
                                   outputs[inside], rtol=1e-9, atol=1e-9)
    assert homes.min() >= 1  # the polygons cover the rectangle
    assert homes.max() <= 4  # and overlap only on edges and corners


@pytest.mark.parametrize("activation", PIECEWISE)
@pytest.mark.parametrize("widths", [(3,), (8,), (6, 6), (8, 8, 8), (16, 16)])
def test_the_polygons_tile_the_rectangle(activation, widths):
    regions = regions_of(random_layers(7, widths, inputs=2), activation)
    areas = np.array([polygon_area(r.vertices) for r in regions])
    assert areas.min() > 0  # counter-clockwise, none degenerate
    assert areas.sum() == pytest.approx(3.0 * 3.0, rel=1e-9)
    for region in regions:
        v = region.vertices
        edge, after = np.roll(v, -1, axis=0) - v, np.roll(v, -2, axis=0) - np.roll(v, -1, axis=0)
        assert (edge[:, 0] * after[:, 1] - edge[:, 1] * after[:, 0]).min() >= -1e-12  # convex
        assert v[:, 0].min() >= -1.5 and v[:, 0].max() <= 1.5
        assert v[:, 1].min() >= -1.0 and v[:, 1].max() <= 2.0
    assert len({tuple(r.pattern) for r in regions}) == len(regions)  # one region per pattern


@pytest.mark.parametrize("activation", PIECEWISE)
@pytest.mark.parametrize("widths", [(3,), (6,), (4, 4), (5, 5, 5)])
@pytest.mark.parametrize("seed", range(6))
def test_region_count_is_the_fine_grids_distinct_patterns(activation, widths, seed):
    layers = random_layers(seed, widths, inputs=2)
    result = linear_regions_2d(layers, activation, X_RANGE, Y_RANGE)
    assert result.count == len(result.regions) == len(grid_patterns(layers, activation, 500))


@pytest.mark.parametrize("widths", [(8, 8), (12, 12), (6, 6, 6)])
@pytest.mark.parametrize("seed", range(4))
def test_region_count_is_never_below_the_grids_and_what_it_misses_is_small(widths, seed):
    layers = random_layers(seed, widths, inputs=2)
    regions = regions_of(layers)
    seen = grid_patterns(layers, "relu", 400)
    ours = {tuple(r.pattern): r for r in regions}
    assert seen <= set(ours) and len(regions) >= len(seen)
    spacing = 3.0 / 399
    for pattern in set(ours) - seen:  # a convex region between grid points is thin
        vertices = ours[pattern].vertices
        diameter = max(math.dist(p, q) for p in vertices for q in vertices)
        assert polygon_area(vertices) <= 2.2 * spacing * diameter


@pytest.mark.parametrize("units", [1, 2, 5, 9, 14])
def test_lines_in_general_position_make_zaslavskys_count(units):
    # Lines tangent to a small circle, in different directions: every pair crosses inside.
    angles = np.linspace(0.0, 2.2, units) + 0.001 * np.arange(units) ** 2
    lines = [(math.cos(t), math.sin(t), -0.2) for t in angles]
    result = linear_regions_2d(shallow(lines), "relu", *SQUARE)
    assert result.count == sum(math.comb(units, j) for j in range(3))


@pytest.mark.parametrize("units", [1, 3, 6, 10, 20])
@pytest.mark.parametrize("seed", range(5))
def test_shallow_nets_never_exceed_zaslavskys_bound(units, seed):
    result = linear_regions_2d(random_layers(seed, (units,), inputs=2), "relu", X_RANGE, Y_RANGE)
    assert 1 <= result.count <= sum(math.comb(units, j) for j in range(3))


HAND_MADE = {
    "two lines crossing inside": ([(1, 0, 0), (0, 1, 0)], 4),
    "two lines crossing outside": ([(1, 1, -1.5), (1, -1, -1.5)], 3),
    "parallel lines": ([(1, 0, 0.5), (1, 0, -0.5), (2, 0, 0)], 4),
    "the same line twice": ([(1, 1, 0), (2, 2, 0), (-1, -1, 0)], 2),
    "three lines through one point": ([(1, 0, 0), (0, 1, 0), (1, 1, 0)], 6),
    "a line through two corners": ([(1, -1, 0), (1, 0, 0)], 4),
    "a line touching a corner": ([(1, 1, -2), (0, 1, 0)], 2),
    "a line along an edge": ([(1, 0, -1), (0, 1, -1), (0, 1, 0)], 2),
    "lines that miss the square": ([(1, 0, 3), (0, 1, -5)], 1),
    "a unit that never switches": ([(0, 0, 1), (0, 0, -1), (0, 0, 0)], 1),
}


@pytest.mark.parametrize("case", HAND_MADE)
def test_hand_made_nets_have_their_known_counts(case):
    lines, expected = HAND_MADE[case]
    regions = regions_of(shallow(lines), ranges=SQUARE)
    assert len(regions) == expected
    assert sum(r.area() for r in regions) == pytest.approx(4.0, rel=1e-12)
    assert len({tuple(r.pattern) for r in regions}) == expected


def test_two_crossing_lines_make_four_quadrants():
    regions = regions_of(shallow([(1, 0, 0), (0, 1, 0)], output=[[2.0, -3.0]]), ranges=SQUARE)
    by_pattern = {tuple(r.pattern.tolist()): r for r in regions}
    assert set(by_pattern) == {(False, False), (False, True), (True, False), (True, True)}
    for (first, second), region in by_pattern.items():
        assert region.area() == pytest.approx(1.0, rel=1e-12)
        np.testing.assert_allclose(region.weight, [[2.0 * first, -3.0 * second]], atol=1e-15)
        centre = region.vertices.mean(axis=0)
        assert (centre[0] > 0) == first and (centre[1] > 0) == second


def test_a_deep_net_folds_the_plane():
    # Layer 1: |x1| = relu(x1) + relu(-x1); layer 2: relu(|x1| - 0.5) bends at x1 = +-0.5 (the
    # lecture's folding: one unit of layer 2, two lines in the input).
    layers = [(np.array([[1.0, 0.0], [-1.0, 0.0]]), np.zeros(2)),
              (np.array([[1.0, 1.0]]), np.array([-0.5])), (np.array([[1.0]]), np.zeros(1))]
    regions = regions_of(layers, ranges=SQUARE)
    assert sorted(r.area() for r in regions) == pytest.approx([1.0, 1.0, 1.0, 1.0])
    for region in regions:
        x1 = region.vertices[:, 0].mean()
        assert region.weight[0, 0] == pytest.approx(np.sign(x1) if abs(x1) > 0.5 else 0.0)


def test_smooth_identity_and_linear_models():
    layers = random_layers(0, (6, 6), inputs=2)
    assert linear_regions_2d(layers, "tanh", *SQUARE) is None
    identity = linear_regions_2d(layers, "identity", *SQUARE)
    assert identity.count == 1 and identity.widths == () and identity.regions[0].pattern.size == 0
    (linear,) = regions_of(random_layers(0, (), inputs=2), ranges=SQUARE)
    np.testing.assert_allclose(linear.vertices, [[-1, -1], [1, -1], [1, 1], [-1, 1]])
    assert isinstance(linear, Region2D) and linear.pattern.size == 0
    with pytest.raises(ValueError, match="2-input"):
        linear_regions_2d(random_layers(0, (3,), inputs=1), "relu", *SQUARE)
    with pytest.raises(ValueError, match="lo < hi"):
        linear_regions_2d(layers, "relu", (1, -1), (-1, 1))


def test_too_many_regions_stop_early_and_say_so():
    layers = random_layers(0, (6, 6), inputs=2)
    exact = linear_regions_2d(layers, "relu", *SQUARE).count
    assert linear_regions_2d(layers, "relu", *SQUARE, max_regions=exact).count == exact
    capped = linear_regions_2d(layers, "relu", *SQUARE, max_regions=exact - 1)
    assert capped.regions is None and capped.count is None and capped.max_regions == exact - 1
    wide = random_layers(0, (256, 256), inputs=2)  # the early check stops it: no 2^16 pieces
    assert linear_regions_2d(wide, "relu", X_RANGE, Y_RANGE).regions is None


@pytest.mark.parametrize("offset", [1e-12, 5e-10])
def test_a_sliver_is_merged_not_dropped(offset):
    # The second line meets the first on the edge x2 = -1 and is `offset` x 2 from it at the top:
    # within rounding of the first's vertex (1e-12: no cut) or a cut that would leave a sliver
    # 1e-9 wide (5e-10: merged). Either way two pieces that still tile the square.
    lines = [(1, 0, 0), (1, offset, offset)]
    regions = regions_of(shallow(lines), ranges=SQUARE)
    assert len(regions) == 2
    assert sum(r.area() for r in regions) == pytest.approx(4.0, rel=1e-12)
