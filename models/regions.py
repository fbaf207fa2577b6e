"""Exact linear regions of piecewise-linear networks: 1-D kinks layer by layer, 2-D pattern maps.

Pure numpy on float64 `layers` = [(W (out, in), b (out,)), ...] (hidden layers, then the output
layer). Computed from the weights, never by sampling the output. models/analysis.py re-exports this.
"""

from dataclasses import dataclass

import numpy as np

from models.activations import ACTIVATIONS
from models.features import add_features

Layers = list[tuple[np.ndarray, np.ndarray]]
_EDGE_TOLERANCE = 1e-12  # boundaries closer than this (relative to hi - lo) are one boundary
_SLOPE_TOLERANCE = 1e-9  # slopes differing less than this (relative) are the same slope


@dataclass(frozen=True)
class Piecewise:
    """One output of a 1-input network on [lo, hi] as an exact piecewise-linear function.

    breakpoints (K,): where this output's slope changes; slopes, intercepts (K+1,): the affine
    piece y = slope * x + intercept between consecutive points of [lo, *breakpoints, hi].
    region_count: activation-pattern regions in [lo, hi]; boundaries (region_count - 1,): where the
    pattern changes (a superset of breakpoints: a unit can switch without bending this output).
    """

    breakpoints: np.ndarray
    slopes: np.ndarray
    intercepts: np.ndarray
    region_count: int
    boundaries: np.ndarray
    lo: float
    hi: float

    def pieces(self) -> list[tuple[float, float, float, float]]:
        """(x0, x1, slope, intercept) for every affine piece, left to right."""
        edges = [self.lo, *self.breakpoints.tolist(), self.hi]
        return list(zip(edges[:-1], edges[1:], self.slopes.tolist(), self.intercepts.tolist(),
                        strict=True))

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Evaluate the pieces at x (any shape) — the exact network output inside [lo, hi]."""
        piece = np.searchsorted(self.breakpoints, x, side="right")
        return self.slopes[piece] * x + self.intercepts[piece]


def activation_slopes(activation: str) -> tuple[float, float] | None:
    """(slope left of 0, slope right of 0) of a piecewise-linear activation; None if smooth."""
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; choose one of {sorted(ACTIVATIONS)}")
    spec = ACTIVATIONS[activation]
    return tuple(spec.slopes) if spec.piecewise_linear else None


def as_layers(layers: Layers) -> Layers:
    """The layers as float64 arrays, checking that their shapes chain."""
    if len(layers) == 0:
        raise ValueError("layers must hold at least the output layer")
    out = []
    width = None
    for index, (weight, bias) in enumerate(layers):
        weight, bias = np.asarray(weight, dtype=np.float64), np.asarray(bias, dtype=np.float64)
        if weight.ndim != 2 or bias.shape != (weight.shape[0],):
            raise ValueError(f"layers[{index}]: need W (out, in) and b (out,), got "
                             f"{weight.shape} and {bias.shape}")
        if width is not None and weight.shape[1] != width:
            raise ValueError(f"layers[{index}]: W takes {weight.shape[1]} inputs, previous layer "
                             f"gives {width}")
        width = weight.shape[0]
        out.append((weight, bias))
    return out


def _check_interval(lo: float, hi: float) -> tuple[float, float]:
    lo, hi = float(lo), float(hi)
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ValueError(f"need finite lo < hi, got lo={lo}, hi={hi}")
    return lo, hi


def _merge_close(edges: np.ndarray, tolerance: float) -> np.ndarray:
    """Drop interior edges closer than tolerance to the previous edge or to hi (keeps lo, hi)."""
    interior = edges[1:-1]
    keep = (np.diff(edges[:-1]) > tolerance) & (edges[-1] - interior > tolerance)
    return np.concatenate([edges[:1], interior[keep], edges[-1:]])


def _split_and_activate(edges, slope, intercept, unit_slopes, tolerance):
    """Split the intervals where a unit's pre-activation crosses zero, then apply the activation.

    edges (M+1,); slope, intercept (H, M): unit h's pre-activation on interval j is
    slope[h, j] * x + intercept[h, j]. Returns the refined edges and the activations' affine maps.
    """
    left, right = unit_slopes
    if left == right:  # a linear activation never changes the pattern
        return edges, left * slope, left * intercept
    with np.errstate(divide="ignore", invalid="ignore"):
        roots = -intercept / slope  # (H, M); inf or nan where slope == 0, never inside
    inside = (roots > edges[:-1]) & (roots < edges[1:])
    if inside.any():
        new_edges = _merge_close(np.unique(np.concatenate([edges, roots[inside]])), tolerance)
        middle = 0.5 * (new_edges[:-1] + new_edges[1:])
        parent = np.searchsorted(edges, middle, side="right") - 1  # (M',) interval it came from
        edges, slope, intercept = new_edges, slope[:, parent], intercept[:, parent]
    else:
        middle = 0.5 * (edges[:-1] + edges[1:])
    scale = np.where(slope * middle + intercept > 0, right, left)  # (H, M') the pattern
    return edges, scale * slope, scale * intercept


def _propagate(layers: Layers, unit_slopes, lo: float, hi: float):
    """Edges (M+1,) of all activation-pattern regions and each output's affine map (out, M)."""
    weight, bias = layers[0]
    if weight.shape[1] != 1:
        raise ValueError(f"the exact 1-D analysis needs a 1-input network, got {weight.shape[1]}")
    edges = np.array([lo, hi])
    slope, intercept = weight.copy(), bias[:, None].copy()  # (H, 1): pre-activations of layer 1
    tolerance = _EDGE_TOLERANCE * (hi - lo)
    for weight, bias in layers[1:]:
        edges, slope, intercept = _split_and_activate(edges, slope, intercept, unit_slopes,
                                                      tolerance)
        slope, intercept = weight @ slope, weight @ intercept + bias[:, None]  # (H', M)
    return edges, slope, intercept


def piecewise_1d(layers: Layers, activation: str, lo: float, hi: float) -> list[Piecewise] | None:
    """The exact piecewise-linear function of every output of a 1-input network on [lo, hi].

    layers: [(W, b), ...] hidden layers then the output layer (one layer = a linear model).
    Returns one Piecewise per output, or None when the activation is smooth (no kinks exist).
    """
    unit_slopes = activation_slopes(activation)
    if unit_slopes is None:
        return None
    lo, hi = _check_interval(lo, hi)
    edges, slope, intercept = _propagate(as_layers(layers), unit_slopes, lo, hi)
    boundaries = edges[1:-1]
    result = []
    for s, c in zip(slope, intercept, strict=True):  # s, c (M,) for one output
        tolerance = _SLOPE_TOLERANCE * max(1.0, float(np.abs(s).max()))
        change = np.abs(np.diff(s)) > tolerance  # (M-1,)
        starts = np.concatenate([[0], np.flatnonzero(change) + 1])
        result.append(Piecewise(boundaries[change], s[starts], c[starts], len(edges) - 1,
                                boundaries, lo, hi))
    return result


def polyline_x(layers: Layers, activation: str, lo: float, hi: float,
               n_smooth: int = 101) -> np.ndarray:
    """Abscissae where drawing straight segments is exact: lo, every pattern boundary, hi.

    For smooth activations there are no such points: a uniform grid of n_smooth points instead.
    """
    lo, hi = _check_interval(lo, hi)
    unit_slopes = activation_slopes(activation)
    if unit_slopes is None:
        return np.linspace(lo, hi, n_smooth)
    edges, _, _ = _propagate(as_layers(layers), unit_slopes, lo, hi)
    return edges


def activation_patterns(layers: Layers, unit_slopes, x: np.ndarray) -> np.ndarray:
    """(N, total hidden units) bool: which units are on (pre-activation > 0) at each row of x."""
    h = np.asarray(x, dtype=np.float64).T  # (in, N)
    patterns = []
    left, right = unit_slopes
    for weight, bias in layers[:-1]:
        z = weight @ h + bias[:, None]  # (H, N)
        on = z > 0
        if left != right:
            patterns.append(on)
        h = np.where(on, right, left) * z
    if not patterns:
        return np.zeros((h.shape[1], 0), dtype=bool)
    return np.concatenate(patterns).T


def region_map_2d(layers: Layers, activation: str, x_range: tuple[float, float],
                  y_range: tuple[float, float], resolution: int, features: tuple[str, ...] = ()):
    """Activation-pattern region of every cell of a resolution x resolution grid (2-input nets).

    Returns (region_id (resolution, resolution) int64, count); row i is y = linspace(y_range)[i],
    column j is x = linspace(x_range)[j] (the layout of a heatmap's z). Ids are 0..count-1 in order
    of first appearance. Returns None for smooth activations (they have no linear regions).
    features: the network's input features (models/features.py), added to each grid point first;
    its regions are then no longer convex, nor is the output linear in (x, y) on them.
    """
    unit_slopes = activation_slopes(activation)
    if unit_slopes is None:
        return None
    layers = as_layers(layers)
    if layers[0][0].shape[1] != 2 + len(features):
        raise ValueError(f"region_map_2d needs a 2-input network, got {layers[0][0].shape[1]} "
                         f"columns for {len(features)} feature(s)")
    if not 2 <= int(resolution) <= 2000:
        raise ValueError(f"resolution must be between 2 and 2000, got {resolution}")
    resolution = int(resolution)
    grid_x = np.linspace(*_check_interval(*x_range), resolution)
    grid_y = np.linspace(*_check_interval(*y_range), resolution)
    xx, yy = np.meshgrid(grid_x, grid_y)  # (res, res), rows follow y
    points = np.stack([xx.ravel(), yy.ravel()], axis=1)  # (res*res, 2)
    points = add_features(points, features)  # (res*res, 2 + F)
    patterns = activation_patterns(layers, unit_slopes, points)  # (res*res, units)
    if patterns.shape[1] == 0:  # no units that can switch: one region
        return np.zeros((resolution, resolution), dtype=np.int64), 1
    packed = np.packbits(patterns, axis=1)  # (res*res, ceil(units / 8)) uint8
    keys = np.ascontiguousarray(packed).view(np.dtype((np.void, packed.shape[1])))[:, 0]
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first)] = np.arange(len(first))  # ids in order of first appearance
    return rank[inverse.ravel()].reshape(resolution, resolution), len(first)
