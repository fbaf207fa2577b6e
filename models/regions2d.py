"""Exact linear regions of a 2-input piecewise-linear network: convex polygons, layer by layer.

As the 1-D analysis finds kinks from the weights, this cuts the input rectangle by every hidden
unit's zero line: start with the rectangle; for each hidden layer, split every polygon by the line
where each unit's pre-activation (affine on that polygon) is zero, then apply the activation
pattern and carry each polygon's affine map on to the next layer. numpy float64, never sampling.

Tolerances (the only places where floating point decides):
- a vertex whose pre-activation is within VALUE_TOLERANCE x (the unit's largest |pre-activation|
  on the rectangle's pieces) of zero lies on the unit's line: a line through a vertex, or along an
  edge, does not cut; parallel and repeated lines, and units that never switch, need nothing else;
- a cut that would leave a piece thinner than SLIVER_WIDTH x (the rectangle's diagonal) is not
  made: the sliver stays merged with its neighbour, which takes the pattern of its larger side
  (the pieces still tile the rectangle exactly; no area is dropped).
"""

import math
from dataclasses import dataclass

import numpy as np

from models.regions import Layers, activation_slopes, as_layers

MAX_REGIONS = 5000  # beyond, the analysis stops (its cost grows with the number of pieces)
VALUE_TOLERANCE = 1e-10
SLIVER_WIDTH = 1e-9
CROSSING_LINES = 300  # the early "too many" check looks at the crossings of this many lines
Range = tuple[float, float]


@dataclass(frozen=True)
class Region2D:
    """One linear region: a convex polygon on which every output is one affine function."""

    vertices: np.ndarray  # (V, 2) [x1, x2] counter-clockwise, inside the input rectangle
    pattern: np.ndarray  # (units,) bool: hidden unit on (pre-activation > 0), layer by layer
    weight: np.ndarray  # (outputs, 2): output k = weight[k] @ [x1, x2] + bias[k] on the region
    bias: np.ndarray  # (outputs,)

    def area(self) -> float:
        return polygon_area(self.vertices)

    def contains(self, points: np.ndarray, tolerance: float = 1e-9) -> np.ndarray:
        """(N,) bool: which of points (N, 2) lie inside or within `tolerance` of the polygon."""
        return inside_convex(self.vertices, points, tolerance)


@dataclass(frozen=True)
class Regions2D:
    """All linear regions of a 2-input network over x_range x y_range.

    regions: the polygons, tiling the rectangle; None when there are more than max_regions (the
    analysis stopped early). count: len(regions), or None beyond max_regions. widths: the hidden
    layers' widths that split `pattern` (empty when the activation does not bend: one region).
    """

    regions: tuple[Region2D, ...] | None
    count: int | None
    widths: tuple[int, ...]
    max_regions: int


def polygon_area(vertices: np.ndarray) -> float:
    """Signed area (positive counter-clockwise) of a polygon (V, 2), by the shoelace formula."""
    x, y = vertices[:, 0], vertices[:, 1]
    return 0.5 * float(x @ np.roll(y, -1) - y @ np.roll(x, -1))


def inside_convex(vertices: np.ndarray, points: np.ndarray, tolerance: float = 1e-9) -> np.ndarray:
    """(N,) bool: points (N, 2) inside the counter-clockwise convex polygon (V, 2), with a margin
    of `tolerance` (a distance) outside every edge."""
    start = vertices  # (V, 2)
    edge = np.roll(vertices, -1, axis=0) - start  # (V, 2)
    length = np.maximum(np.hypot(edge[:, 0], edge[:, 1]), 1e-300)
    offset = points[:, None, :] - start[None, :, :]  # (N, V, 2)
    cross = edge[None, :, 0] * offset[..., 1] - edge[None, :, 1] * offset[..., 0]  # (N, V)
    return (cross / length >= -tolerance).all(axis=1)


def _width(vertices: list) -> float:
    """About how thin a convex polygon is: twice its area over its longest edge."""
    if len(vertices) < 3:
        return 0.0
    twice_area, longest = 0.0, 0.0
    for (x0, y0), (x1, y1) in zip(vertices, vertices[1:] + vertices[:1], strict=True):
        twice_area += x0 * y1 - x1 * y0
        longest = max(longest, math.hypot(x1 - x0, y1 - y0))
    return abs(twice_area) / longest if longest > 0 else 0.0


def _halves(vertices: list, line, tolerance: float, sliver: float):
    """Cut a convex polygon [(x1, x2), ...] along the line a x1 + b x2 + c = 0 (line = (a, b, c),
    a unit's pre-activation on it): (upper, lower) halves in the same order, or None when a half
    would be a sliver. Vertices within `tolerance` of zero go to both halves."""
    a, b, c = line
    values = [a * x + b * y + c for x, y in vertices]
    upper, lower = [], []
    for index, (p, value) in enumerate(zip(vertices, values, strict=True)):
        following = index + 1 - len(vertices)  # the next vertex, cyclically
        q, next_value = vertices[following], values[following]
        if value >= -tolerance:
            upper.append(p)
        if value <= tolerance:
            lower.append(p)
        if (value > tolerance and next_value < -tolerance) or (
                value < -tolerance and next_value > tolerance):
            t = value / (value - next_value)  # strictly inside (0, 1)
            crossing = (p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1]))
            upper.append(crossing)
            lower.append(crossing)
    if _width(upper) < sliver or _width(lower) < sliver:
        return None
    return upper, lower


def _cutting(halves: tuple, units: np.ndarray, weight, bias, tolerance) -> list[np.ndarray]:
    """For each polygon of `halves`, the units among `units` whose pre-activation takes both
    signs on it (one matrix product for all of them)."""
    if len(units) == 0:
        return [units] * len(halves)
    sizes = [len(h) for h in halves]
    values = np.array([p for h in halves for p in h]) @ weight[units].T + bias[units]  # (n, k)
    starts = [0, sizes[0]][:len(halves)]
    bound = tolerance[units]
    crossing = ((np.maximum.reduceat(values, starts, axis=0) > bound)
                & (np.minimum.reduceat(values, starts, axis=0) < -bound))  # (halves, k)
    return [units[row] for row in crossing]


def _crossings_inside(polygon: list, lines: np.ndarray, margin: float) -> int:
    """How many distinct points (rounded to `margin`) where two of `lines` (k, 3) = (a, b, c)
    cross lie deeper than `margin` inside the convex polygon."""
    first, second = np.triu_indices(len(lines), 1)
    (a0, b0, c0), (a1, b1, c1) = lines[first].T, lines[second].T
    det = a0 * b1 - a1 * b0  # (pairs,) zero for parallel lines
    crossing = np.abs(det) > 1e-12 * np.hypot(a0, b0) * np.hypot(a1, b1)
    det = np.where(crossing, det, 1.0)
    points = np.stack([b0 * c1 - b1 * c0, c0 * a1 - c1 * a0], axis=1) / det[:, None]  # (pairs, 2)
    inside = crossing & inside_convex(np.array(polygon), points, -margin)
    return len(np.unique(np.round(points[inside] / margin), axis=0))


def _too_many(vertices, cut, weight, bias, sliver, limit) -> bool:
    """Whether the layer surely makes more than `limit` pieces: k lines that cross a convex
    polygon cut it into at least 1 + k + (distinct crossings inside) pieces (for any subset of
    them: at most CROSSING_LINES), checked only when the layer could reach the limit at all."""
    lines_per_polygon = cut.sum(axis=1)  # (M,)
    lower = int((1 + lines_per_polygon).sum())
    if lower > limit:
        return True
    most = 1 + lines_per_polygon + lines_per_polygon * (lines_per_polygon - 1) // 2
    if int(most.sum()) <= limit:
        return False  # not even the most the lines could make
    for m in np.argsort(-lines_per_polygon):
        if lines_per_polygon[m] < 2:
            break
        units = np.flatnonzero(cut[m])[:CROSSING_LINES]
        lines = np.column_stack([weight[m, units], bias[m, units]])  # (k, 3)
        lower += _crossings_inside(vertices[m], lines, sliver)
        if lower > limit:
            return True
    return False


def _split_layer(vertices, values, weight, bias, tolerance, sliver, limit):
    """Split every polygon by every unit whose zero line crosses it.

    vertices: M lists of (x1, x2); values: (M, n_m, H) the pre-activations at them; weight
    (M, H, 2), bias (M, H) each polygon's pre-activation maps. Returns [(vertices, parent)], or
    None as soon as there are more than `limit` pieces.
    """
    starts = np.concatenate([[0], np.cumsum([len(v) for v in vertices])[:-1]])
    stacked = np.concatenate(values)  # (all vertices, H)
    cut = ((np.maximum.reduceat(stacked, starts, axis=0) > tolerance)
           & (np.minimum.reduceat(stacked, starts, axis=0) < -tolerance))  # (M, H)
    if _too_many(vertices, cut, weight, bias, sliver, limit):
        return None
    total = len(vertices)
    pieces = []
    for parent, polygon in enumerate(vertices):
        if not cut[parent].any():
            pieces.append((polygon, parent))
            continue
        w, b = weight[parent], bias[parent]  # (H, 2), (H,)
        lines, bounds = np.column_stack([w, b]).tolist(), tolerance.tolist()  # plain floats
        stack = [(polygon, np.flatnonzero(cut[parent]))]
        while stack:
            polygon, units = stack.pop()
            unit = units[0]
            halves = _halves(polygon, lines[unit], bounds[unit], sliver)
            if halves is None:  # a sliver: this unit does not cut here
                halves = (polygon,)
            else:
                total += 1
                if total > limit:
                    return None
            for half, rest in zip(halves, _cutting(halves, units[1:], w, b, tolerance),
                                  strict=True):
                if len(rest):
                    stack.append((half, rest))
                else:
                    pieces.append((half, parent))
    return pieces


def _values(vertices: list, weight: np.ndarray, bias: np.ndarray) -> list[np.ndarray]:
    """Each polygon's pre-activations at its vertices, (n_m, H) each, from its maps weight
    (M, H, 2) and bias (M, H)."""
    sizes = [len(v) for v in vertices]
    owner = np.repeat(np.arange(len(sizes)), sizes)  # (all vertices,)
    points = np.array([p for polygon in vertices for p in polygon])  # (all vertices, 2)
    stacked = np.einsum("nk,nhk->nh", points, weight[owner]) + bias[owner]  # (all vertices, H)
    return np.split(stacked, np.cumsum(sizes)[:-1])


def _rectangle(x_range: Range, y_range: Range) -> list:
    (x0, x1), (y0, y1) = (tuple(map(float, x_range)), tuple(map(float, y_range)))
    if not all(np.isfinite([x0, x1, y0, y1])) or not (x0 < x1 and y0 < y1):
        raise ValueError(f"need finite ranges lo < hi, got {x_range} and {y_range}")
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]  # counter-clockwise


def linear_regions_2d(layers: Layers, activation: str, x_range: Range, y_range: Range,
                      max_regions: int = MAX_REGIONS) -> Regions2D | None:
    """The exact linear regions of a 2-input network over x_range x y_range.

    layers: [(W, b), ...] hidden layers then the output layer. Returns None for smooth
    activations (they have no linear regions); regions=None when there are more than max_regions.
    """
    unit_slopes = activation_slopes(activation)
    if unit_slopes is None:
        return None
    layers = as_layers(layers)
    if layers[0][0].shape[1] != 2:
        raise ValueError(f"linear_regions_2d needs a 2-input network, got {layers[0][0].shape[1]}")
    rectangle = _rectangle(x_range, y_range)
    sliver = SLIVER_WIDTH * math.dist(rectangle[0], rectangle[2])
    left, right = unit_slopes
    bending = left != right
    widths = tuple(w.shape[0] for w, _ in layers[:-1]) if bending else ()
    vertices = [rectangle]
    weight, bias = layers[0][0][None], layers[0][1][None]  # (M, H, 2), (M, H): layer-1 maps
    patterns = np.zeros((1, 0), dtype=bool)  # (M, units so far)
    for next_weight, next_bias in layers[1:]:
        if bending:
            values = _values(vertices, weight, bias)
            tolerance = VALUE_TOLERANCE * np.maximum(
                np.abs(np.concatenate(values)).max(axis=0), 1e-300)  # (H,)
            pieces = _split_layer(vertices, values, weight, bias, tolerance, sliver, max_regions)
            if pieces is None:
                return Regions2D(None, None, widths, max_regions)
            vertices = [v for v, _ in pieces]
            parent = np.array([p for _, p in pieces])  # (M',)
            weight, bias = weight[parent], bias[parent]
            inner = np.array([(sum(x for x, _ in v) / len(v), sum(y for _, y in v) / len(v))
                              for v in vertices])  # (M', 2) the vertices' mean: inside the piece
            on = np.einsum("mhk,mk->mh", weight, inner) + bias > 0  # (M', H) the pattern
            patterns = np.concatenate([patterns[parent], on], axis=1)
            scale = np.where(on, right, left)  # (M', H) each unit's slope on its polygon
        else:
            scale = np.full(bias.shape, left)
        weight = np.einsum("oh,mhk->mok", next_weight, scale[:, :, None] * weight)  # (M', H', 2)
        bias = (scale * bias) @ next_weight.T + next_bias  # (M', H')
    regions = tuple(Region2D(np.array(v), p, w, b)
                    for v, p, w, b in zip(vertices, patterns, weight, bias, strict=True))
    return Regions2D(regions, len(regions), widths, max_regions)
