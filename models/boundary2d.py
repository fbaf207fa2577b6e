"""The exact decision boundary of a 2-input piecewise-linear classifier, as straight segments.

On each linear region (models/regions2d.py) every output is affine, so the boundary there is
straight: one output (binary): where the logit is zero; more (multiclass): where the top class
changes, i.e. where two classes tie above all others. numpy float64; never samples the plane.

A boundary is found where the difference of two outputs changes sign strictly inside a region; one
that runs exactly along a region's edge (a measure-zero coincidence of weights) is not drawn, and
pieces shorter than MIN_LENGTH x (the regions' diagonal) are dropped.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from models.regions2d import Region2D, linear_regions_2d

MIN_LENGTH = 1e-9


@dataclass(frozen=True)
class Boundary2D:
    """segments (S, 2, 2): [[x1, x2] start, [x1, x2] end] per segment; region (S,): the index
    (in the regions given) of the region each segment lies in."""

    segments: np.ndarray
    region: np.ndarray


def _chords(points, owner, following, slope, offset):
    """Where g = slope[r] @ x + offset[r] crosses zero in each convex region r.

    points (N, 2) every region's vertices one after the other, owner (N,) their region, following
    (N,) the index of the next vertex of the same region; slope (R, 2), offset (R,).
    Returns (region (S,), segments (S, 2, 2)) for the regions where g takes both signs.
    """
    g = np.einsum("nk,nk->n", points, slope[owner]) + offset[owner]  # (N,)
    positive = g > 0
    edges = np.flatnonzero(positive != positive[following])  # on a convex region: 0 or 2 each
    ends = following[edges]
    t = (g[edges] / (g[edges] - g[ends]))[:, None]  # never 0 / 0: the signs differ
    crossings = points[edges] + t * (points[ends] - points[edges])  # (E, 2)
    region = owner[edges]
    pairs = np.bincount(region, minlength=len(slope))[region] == 2  # rounding aside: all of them
    return region[pairs][::2], crossings[pairs].reshape(-1, 2, 2)


def _clip(segments, weight, bias, top, others):
    """The part (t_lo, t_hi) of each segment where output `top` is at least every `others`."""
    low, high = np.zeros(len(segments)), np.ones(len(segments))
    for other in others:
        lead = weight[:, top] - weight[:, other], bias[:, top] - bias[:, other]  # (S, 2), (S,)
        h0, h1 = (np.einsum("sk,sk->s", segments[:, end], lead[0]) + lead[1] for end in (0, 1))
        with np.errstate(divide="ignore", invalid="ignore"):
            t = h0 / (h0 - h1)
        high = np.where((h0 >= 0) & (h1 < 0), np.minimum(high, t), high)
        low = np.where((h0 < 0) & (h1 >= 0), np.maximum(low, t), low)
        high = np.where((h0 < 0) & (h1 < 0), -1.0, high)  # never on top here
    return low, high


def decision_boundary_2d(regions: Sequence[Region2D]) -> Boundary2D:
    """The decision boundary over the regions of one network (they tile its input rectangle).

    One output: the segments where it is 0 (P(class 1) = 1/2); more: where the top class changes.
    """
    if not regions:
        return Boundary2D(np.zeros((0, 2, 2)), np.zeros(0, np.int64))
    sizes = np.array([len(r.vertices) for r in regions])
    points = np.concatenate([r.vertices for r in regions])  # (N, 2)
    owner = np.repeat(np.arange(len(regions)), sizes)
    start = np.repeat(np.cumsum(sizes) - sizes, sizes)  # (N,) where each vertex's region starts
    following = start + (np.arange(len(points)) - start + 1) % sizes[owner]
    weight = np.stack([r.weight for r in regions])  # (R, outputs, 2)
    bias = np.stack([r.bias for r in regions])  # (R, outputs)
    shortest = MIN_LENGTH * float(np.hypot(*(points.max(axis=0) - points.min(axis=0))))
    outputs = weight.shape[1]
    if outputs == 1:
        found = [_chords(points, owner, following, weight[:, 0], bias[:, 0])]
    else:
        found = []
        for top in range(outputs):
            for other in range(top + 1, outputs):
                region, chords = _chords(points, owner, following,
                                         weight[:, top] - weight[:, other],
                                         bias[:, top] - bias[:, other])
                rest = [k for k in range(outputs) if k not in (top, other)]
                low, high = _clip(chords, weight[region], bias[region], top, rest)
                direction = chords[:, 1] - chords[:, 0]  # (S, 2)
                chords = np.stack([chords[:, 0] + low[:, None] * direction,
                                   chords[:, 0] + np.maximum(high, low)[:, None] * direction], 1)
                found.append((region, chords))
    region = np.concatenate([r for r, _ in found])
    segments = np.concatenate([s for _, s in found])  # (S, 2, 2)
    length = np.hypot(*(segments[:, 1] - segments[:, 0]).T)
    keep = length > shortest
    return Boundary2D(segments[keep], region[keep])


def exact_2d(layers, activation: str, task: str, input_range, max_regions: int):
    """(the exact linear regions, the exact decision boundary's segments or None for regression)
    of a 2-input piecewise-linear net, or (None, None) beyond max_regions regions."""
    exact = linear_regions_2d(layers, activation, *input_range, max_regions=max_regions)
    if exact.regions is None:
        return None, None
    polygons = exact.regions
    if task == "regression":
        return polygons, None
    return polygons, decision_boundary_2d(exact.regions).segments
