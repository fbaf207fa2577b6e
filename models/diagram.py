"""The math of the network diagram: every layer's weights (for wide layers, its strongest edges),
where batch norm sits and which units a step's dropout dropped, and for 2-input nets every unit's
picture over a coarse grid of the input square with each first-layer unit's joint line.

numpy float64 in, frozen dataclasses out; `layers` = [(W (out, in), b (out,)), ...] as from
RunGroup.layers(). No JSON, no rounding, no drawing (the server converts, the page draws).
"""

import math
from dataclasses import dataclass

import numpy as np

from models.analysis import unit_decomposition_1d
from models.features import add_features
from models.pictures import bends, grid_2d
from models.regions import Layers, as_layers

MAX_UNITS_DRAWN = 32  # a layer whose fan in and fan out are at most this is shown whole
STRONGEST_EDGES = 64  # the edges of a wider layer that are shown
THUMBNAIL_RESOLUTION = 20  # grid points per axis of a 2-D unit's picture
MAX_THUMBNAIL_VALUES = 24_000  # all planes of one picture together; the grid shrinks to fit
MIN_THUMBNAIL_RESOLUTION = 6  # below this a thumbnail shows nothing: no thumbnails at all
Range = tuple[float, float]
Point = tuple[float, float]


@dataclass(frozen=True)
class Edges:
    """Some edges of one layer, by |weight| descending: W[to[e], source[e]] = weight[e]."""

    to: np.ndarray  # (E,) int64 unit of this layer (row of W)
    source: np.ndarray  # (E,) int64 unit of the layer before, or input (column of W)
    weight: np.ndarray  # (E,)


@dataclass(frozen=True)
class LayerView:
    """One Linear as the diagram draws it."""

    weight: np.ndarray | None  # (out, in) when fan in and fan out are at most MAX_UNITS_DRAWN
    bias: np.ndarray | None  # (out,) when fan out is at most MAX_UNITS_DRAWN
    strongest: Edges | None  # when weight is None: the STRONGEST_EDGES edges of largest |w|


@dataclass(frozen=True)
class NetworkView:
    widths: tuple[int, ...]  # inputs, each hidden layer's units, outputs
    layers: tuple[LayerView, ...]  # one per Linear, input first
    summary: bool  # some layer is shown by its strongest edges only
    batch_norm: tuple[bool, ...]  # per hidden layer: a BatchNorm between Linear and activation
    dropout: float
    dropped: tuple[tuple[int, ...], ...] | None  # per hidden layer, as given (see network_view)


def network_view(layers: Layers, batch_norm: bool, dropout: float,
                 dropped: list[np.ndarray] | None = None, max_units: int = MAX_UNITS_DRAWN,
                 edges: int = STRONGEST_EDGES) -> NetworkView:
    """The diagram's network. `layers` has batch norm folded in (as RunGroup.layers() gives it);
    `dropped`: per hidden layer the indices of the units dropout zeroed in the step shown
    (models.engine.dropped_units), or None."""
    layers = as_layers(layers)
    views = []
    for weight, bias in layers:
        fan_out, fan_in = weight.shape
        whole = fan_in <= max_units and fan_out <= max_units
        views.append(LayerView(weight if whole else None,
                               bias if fan_out <= max_units else None,
                               None if whole else strongest_edges(weight, edges)))
    widths = (layers[0][0].shape[1], *(weight.shape[0] for weight, _ in layers))
    depth = len(layers) - 1
    return NetworkView(widths, tuple(views), any(v.weight is None for v in views),
                       (bool(batch_norm),) * depth, float(dropout),
                       None if dropped is None else tuple(tuple(int(u) for u in np.sort(layer))
                                                          for layer in dropped))


def strongest_edges(weight: np.ndarray, count: int = STRONGEST_EDGES) -> Edges:
    """The `count` entries of W (out, in) of largest |w|, largest first (ties: row-major order)."""
    flat = np.abs(weight).reshape(-1)
    order = np.argsort(-flat, kind="stable")[:count]
    to, source = np.unravel_index(order, weight.shape)
    return Edges(to.astype(np.int64), source.astype(np.int64), weight.reshape(-1)[order])


@dataclass(frozen=True)
class Thumbnails2D:
    """Every unit of a 2-input net over a res x res grid (row i is y[i], column j is x[j])."""

    x: np.ndarray  # (res,)
    y: np.ndarray  # (res,)
    pre: tuple[np.ndarray, ...]  # per hidden layer (H_l, res, res)
    post: tuple[np.ndarray, ...]  # per hidden layer (H_l, res, res)
    weighted: np.ndarray  # (outputs, H_last, res, res) output weight * last-layer activation
    bias: np.ndarray  # (outputs,)
    output: np.ndarray  # (outputs, res, res) = weighted summed over units + bias
    lines: tuple[tuple[Point, Point] | None, ...] | None  # per first-layer unit (joint_lines)


def thumbnail_resolution(layers: Layers, resolution: int = THUMBNAIL_RESOLUTION,
                         max_values: int = MAX_THUMBNAIL_VALUES) -> int | None:
    """The grid a net's thumbnails get: `resolution`, lowered until all planes (pre and post per
    hidden unit, weighted per output and last-layer unit, one output per output) hold at most
    `max_values` numbers; None when that is under MIN_THUMBNAIL_RESOLUTION."""
    layers = as_layers(layers)
    hidden = sum(weight.shape[0] for weight, _ in layers[:-1])
    outputs, last = layers[-1][0].shape
    planes = 2 * hidden + outputs * (last + 1)
    fitted = min(resolution, math.isqrt(max_values // planes))
    return fitted if fitted >= MIN_THUMBNAIL_RESOLUTION else None


def thumbnails_2d(layers: Layers, activation: str, input_range: tuple[Range, Range],
                  resolution: int = THUMBNAIL_RESOLUTION, max_units: int = MAX_UNITS_DRAWN,
                  max_values: int = MAX_THUMBNAIL_VALUES,
                  features: tuple[str, ...] = ()) -> Thumbnails2D | None:
    """Each unit's pre-activation and activation, each last-layer unit's weighted contribution
    and the output over a coarse grid; None beyond `max_units` units in a hidden layer or when the
    grid would be too coarse (thumbnail_resolution), or when a value is not finite. features: the
    model's input features (models/features.py), added to the grid's points; then there are no
    joint lines (a unit bends on a curve, not a line)."""
    layers = as_layers(layers)
    if layers[0][0].shape[1] != 2 + len(features):
        raise ValueError(f"2-D thumbnails need a 2-input network with {len(features)} features, "
                         f"got {layers[0][0].shape[1]} columns")
    res = thumbnail_resolution(layers, resolution, max_values)
    if res is None or any(weight.shape[0] > max_units for weight, _ in layers[:-1]):
        return None
    grid = grid_2d(input_range, res)
    with np.errstate(over="ignore", invalid="ignore"):
        points = add_features(grid.points, features) if features else grid.points
        parts = unit_decomposition_1d(layers, activation, points)  # (N = res * res, 2 + F)
    if not np.isfinite(parts.total).all() or not np.isfinite(parts.weighted).all():
        return None
    planes = (res, res)
    lines = (joint_lines(layers, input_range)
             if len(layers) > 1 and bends(activation) and not features else None)
    return Thumbnails2D(grid.x, grid.y,
                        tuple(z.reshape(-1, *planes) for z in parts.pre),
                        tuple(h.reshape(-1, *planes) for h in parts.post),
                        parts.weighted.reshape(*parts.weighted.shape[:2], *planes),
                        parts.bias, parts.total.reshape(-1, *planes), lines)


def joint_lines(layers: Layers, input_range: tuple[Range, Range]
                ) -> tuple[tuple[Point, Point] | None, ...]:
    """Per first-layer unit of a 2-input net, its joint line b + w1 x1 + w2 x2 = 0 (where its
    pre-activation crosses zero, so where it bends) clipped to the input square: the two endpoints
    on the square's edge, or None where the line misses the square, only touches a corner, or
    w1 = w2 = 0."""
    weight, bias = as_layers(layers)[0]
    if weight.shape[1] != 2:
        raise ValueError(f"joint lines need a 2-input network, got {weight.shape[1]} inputs")
    return tuple(clip_line(float(w1), float(w2), float(b), input_range)
                 for (w1, w2), b in zip(weight, bias, strict=True))


def clip_line(w1: float, w2: float, b: float,
              input_range: tuple[Range, Range]) -> tuple[Point, Point] | None:
    """The segment of the line w1 x + w2 y + b = 0 inside [x_lo, x_hi] x [y_lo, y_hi]."""
    (x_lo, x_hi), (y_lo, y_hi) = input_range
    points: list[Point] = []
    if w2 != 0:  # where it crosses the left and right edges
        points += [(x, -(b + w1 * x) / w2) for x in (x_lo, x_hi)]
    if w1 != 0:  # the bottom and top edges
        points += [(-(b + w2 * y) / w1, y) for y in (y_lo, y_hi)]
    slack = 1e-12 * max(x_hi - x_lo, y_hi - y_lo)
    inside = [(min(max(x, x_lo), x_hi), min(max(y, y_lo), y_hi)) for x, y in points
              if x_lo - slack <= x <= x_hi + slack and y_lo - slack <= y <= y_hi + slack]
    if len(inside) < 2:
        return None
    first, second = max(((p, q) for p in inside for q in inside),
                        key=lambda pair: math.dist(*pair))  # a corner is found twice: farthest
    if math.dist(first, second) <= slack:
        return None  # it only touches a corner
    return first, second
