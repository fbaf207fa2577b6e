"""Tests for models/boundary2d.py against a torch forward pass: every segment lies where the
classes tie, and every class change between neighbouring grid points is crossed by a segment."""

import numpy as np
import pytest

from models.boundary2d import decision_boundary_2d
from models.regions2d import linear_regions_2d

from .test_analysis import random_layers, torch_forward

SQUARE = ((-1.0, 1.0), (-1.0, 1.0))


def crossing(seed, widths, outputs, activation="relu"):
    """Random layers whose classes both (all) show on the square: the last bias is shifted so
    that the outputs' medians over the square tie."""
    layers = random_layers(seed, widths, inputs=2, outputs=outputs)
    xs = np.linspace(-1, 1, 41)
    grid = np.stack(np.meshgrid(xs, xs), axis=-1).reshape(-1, 2)
    median = np.median(torch_forward(layers, activation, grid), axis=0)
    weight, bias = layers[-1]
    return [*layers[:-1], (weight, bias - median)]


def boundary_of(layers, activation="relu"):
    regions = linear_regions_2d(layers, activation, *SQUARE).regions
    return decision_boundary_2d(regions)


def along(segments: np.ndarray, fractions=(0.0, 0.3, 0.5, 1.0)) -> np.ndarray:
    return np.concatenate([segments[:, 0] + f * (segments[:, 1] - segments[:, 0])
                           for f in fractions])


def predicted(layers, activation, points):
    out = torch_forward(layers, activation, points)
    return (out[:, 0] > 0).astype(int) if out.shape[1] == 1 else out.argmax(axis=1)


def crossed(segments: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(P,) bool: does the segment a[i]-b[i] meet any of `segments` (S, 2, 2)?"""
    p, r = a[:, None, :], (b - a)[:, None, :]
    q, s = segments[None, :, 0], segments[None, :, 1] - segments[None, :, 0]
    cross = r[..., 0] * s[..., 1] - r[..., 1] * s[..., 0]
    qp = q - p
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (qp[..., 0] * s[..., 1] - qp[..., 1] * s[..., 0]) / cross
        u = (qp[..., 0] * r[..., 1] - qp[..., 1] * r[..., 0]) / cross
    eps = 1e-9
    return ((t >= -eps) & (t <= 1 + eps) & (u >= -eps) & (u <= 1 + eps)).any(axis=1)


@pytest.mark.parametrize("activation", ["relu", "leaky_relu"])
@pytest.mark.parametrize("widths,outputs,seed", [((6,), 1, 0), ((8, 5), 1, 1), ((7,), 3, 2),
                                                  ((5, 6), 4, 3)])
def test_segments_lie_where_the_classes_tie(activation, widths, outputs, seed):
    layers = crossing(seed, widths, outputs, activation)
    boundary = boundary_of(layers, activation)
    assert len(boundary.segments) > 0
    points = along(boundary.segments)
    out = torch_forward(layers, activation, points)
    corners = np.array([[-1, -1], [-1, 1], [1, -1], [1, 1], [0, 0]], dtype=np.float64)
    scale = np.abs(torch_forward(layers, activation, corners)).max()  # the outputs' size
    if outputs == 1:
        assert np.abs(out[:, 0]).max() <= 1e-9 * scale
    else:
        top2 = np.sort(out, axis=1)[:, -2:]
        assert np.abs(top2[:, 1] - top2[:, 0]).max() <= 1e-9 * scale
    inside = (points >= -1 - 1e-12) & (points <= 1 + 1e-12)
    assert inside.all()


@pytest.mark.parametrize("widths,outputs,seed", [((6,), 1, 4), ((8, 5), 1, 5), ((7,), 3, 6),
                                                  ((6, 6), 3, 7)])
def test_every_class_change_on_a_grid_is_crossed(widths, outputs, seed):
    layers = crossing(seed, widths, outputs)
    boundary = boundary_of(layers)
    xs = np.linspace(-1, 1, 121)
    grid = np.stack(np.meshgrid(xs, xs), axis=-1)  # (y, x, 2)
    classes = predicted(layers, "relu", grid.reshape(-1, 2)).reshape(121, 121)
    pairs = []
    for axis in (0, 1):
        changed = np.diff(classes, axis=axis) != 0
        first = grid[:-1, :] if axis == 0 else grid[:, :-1]
        second = grid[1:, :] if axis == 0 else grid[:, 1:]
        pairs.append((first[changed], second[changed]))
    a = np.concatenate([p[0] for p in pairs])
    b = np.concatenate([p[1] for p in pairs])
    assert len(a) > 0
    assert crossed(boundary.segments, a, b).all()


def test_no_segment_where_no_class_changes():
    # a positive output everywhere on the square: one class, no boundary
    layers = [(np.eye(2), np.zeros(2)), (np.ones((1, 2)), np.array([5.0]))]
    assert len(boundary_of(layers).segments) == 0
    assert len(decision_boundary_2d([]).segments) == 0


def test_a_hand_made_boundary_is_its_line():
    # relu(x1) - relu(-x1) = x1 is linear: output x1 - 0.25 -> the line x1 = 0.25
    layers = [(np.array([[1.0, 0.0], [-1.0, 0.0]]), np.zeros(2)),
              (np.array([[1.0, -1.0]]), np.array([-0.25]))]
    segments = boundary_of(layers).segments
    assert np.allclose(segments[..., 0], 0.25)
    ys = np.sort(segments[..., 1].ravel())
    assert ys[0] == pytest.approx(-1) and ys[-1] == pytest.approx(1)
    length = np.hypot(*(segments[:, 1] - segments[:, 0]).T).sum()
    assert length == pytest.approx(2.0)
