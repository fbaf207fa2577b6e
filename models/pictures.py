"""The math behind the playground's pictures of a trained network: class probabilities, the 1-D
view (exact abscissae, pieces, hidden-unit panels, each shallow unit's joint), the 2-D view (grid,
outputs or probabilities, predicted classes, linear regions), the digits confusion matrix, and the
bounds and counts shown beside the region count. The network diagram's math is in diagram.py.

numpy float64 in, frozen dataclasses out; `layers` = [(W (out, in), b (out,)), ...] as from
RunGroup.layers() or MLP.affine_layers(). No JSON, no rounding, no drawing: the server converts,
the page draws. Never trains.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from models.analysis import (
    Piecewise,
    UnitDecomposition,
    evaluate,
    piecewise_1d,
    polyline_x,
    region_map_2d,
    unit_decomposition_1d,
)
from models.boundary2d import exact_2d
from models.datasets import Dataset
from models.features import add_features
from models.regions import Layers, activation_slopes, as_layers
from models.regions2d import Region2D

MAX_UNITS_SHOWN = 32  # per hidden layer; wider networks get no unit panels
FEATURE_GRID = 201  # 1-D points drawn for a network with input features (nothing exact to use)
DIGIT_SAMPLES = 12
MAX_EXACT_REGIONS = 120  # 2-D: exact polygons (and boundary) up to this many grid regions
Range = tuple[float, float]


def class_probabilities(task: str, output: np.ndarray) -> np.ndarray | None:
    """output (N, outputs) -> (N, outputs) probabilities: sigmoid(f) = P(class 1) for binary,
    softmax(f) for multiclass; None for regression (the output is the prediction itself)."""
    output = np.asarray(output, dtype=np.float64)
    if task == "binary":
        return 1.0 / (1.0 + np.exp(-np.clip(output, -500.0, 500.0)))  # no overflow warnings
    if task == "multiclass":
        shifted = np.exp(output - output.max(axis=1, keepdims=True))  # exp of at most 0
        return shifted / shifted.sum(axis=1, keepdims=True)
    return None


def finite_layers(layers: Layers) -> bool:
    """Whether every weight and bias is finite (a diverged run's are not: it has no picture)."""
    return all(np.isfinite(w).all() and np.isfinite(b).all() for w, b in layers)


def bends(activation: str) -> bool:
    """Whether the activation has a kink at 0 (relu, leaky_relu; not identity, not smooth)."""
    slopes = activation_slopes(activation)
    return slopes is not None and slopes[0] != slopes[1]


def unit_joints(layers: Layers, lo: float, hi: float) -> tuple[float | None, ...]:
    """Each first-layer unit's joint x = -b / w of a 1-input network: where its pre-activation
    w x + b crosses zero, so where the unit (and, through it, a shallow net's output) bends.
    None for a unit with w == 0 (it never switches) or whose joint is not strictly inside
    (lo, hi) (as for the kinks of analysis.piecewise_1d)."""
    weight, bias = as_layers(layers)[0]
    if weight.shape[1] != 1:
        raise ValueError(f"joints need a 1-input network, got {weight.shape[1]} inputs")
    joints = []
    for w, b in zip(weight[:, 0], bias, strict=True):
        x = -b / w if w != 0 else None
        joints.append(float(x) if x is not None and lo < x < hi else None)
    return tuple(joints)


@dataclass(frozen=True)
class View1D:
    """A 1-input network on [lo, hi], exact at every x: straight segments between them."""

    x: np.ndarray  # (M,) lo, every activation-pattern boundary, hi (a uniform grid if smooth)
    output: np.ndarray  # (outputs, M)
    probability: np.ndarray | None  # (outputs, M) class probabilities, None for regression
    pieces: tuple[Piecewise, ...] | None  # one per output; None for smooth activations
    region_count: int | None  # linear regions in [lo, hi]; None for smooth activations
    units: UnitDecomposition | None  # the unit panels; None above max_units units per layer
    joints: tuple[float | None, ...] | None  # per hidden unit of a shallow bending net, else None


def view_1d(layers: Layers, activation: str, task: str, lo: float, hi: float,
            max_units: int = MAX_UNITS_SHOWN, features: tuple[str, ...] = ()) -> View1D | None:
    """The 1-D picture; None when an output is not finite on [lo, hi]. With input features the
    network is not piecewise linear in x: a uniform grid, no pieces, regions or joints."""
    layers = as_layers(layers)
    if features:
        return _view_1d_features(layers, activation, task, lo, hi, max_units, features)
    with np.errstate(over="ignore", invalid="ignore"):  # huge weights: checked just below
        pieces = piecewise_1d(layers, activation, lo, hi)
        x = polyline_x(layers, activation, lo, hi)  # (M,)
        units = None
        if all(weight.shape[0] <= max_units for weight, _ in layers[:-1]):
            units = unit_decomposition_1d(layers, activation, x)
            output = units.total  # (outputs, M)
        else:
            output = evaluate(layers, activation, x[:, None]).T
    if not np.isfinite(output).all():
        return None
    probability = class_probabilities(task, output.T)
    joints = unit_joints(layers, lo, hi) if len(layers) == 2 and bends(activation) else None
    return View1D(x, output, None if probability is None else probability.T,
                  None if pieces is None else tuple(pieces),
                  None if pieces is None else int(pieces[0].region_count), units, joints)


def _view_1d_features(layers: Layers, activation: str, task: str, lo: float, hi: float,
                      max_units: int, features: tuple[str, ...]) -> View1D | None:
    x = np.linspace(lo, hi, FEATURE_GRID)  # (M,)
    columns = add_features(x[:, None], features)  # (M, 1 + F): what the first layer takes
    with np.errstate(over="ignore", invalid="ignore"):
        units = None
        if all(weight.shape[0] <= max_units for weight, _ in layers[:-1]):
            units = replace(unit_decomposition_1d(layers, activation, columns), x=x)
        output = evaluate(layers, activation, columns).T  # (outputs, M)
    if not np.isfinite(output).all():
        return None
    probability = class_probabilities(task, output.T)
    return View1D(x, output, None if probability is None else probability.T, None, None, units,
                  None)


@dataclass(frozen=True)
class Grid2D:
    """A resolution x resolution grid over a 2-input range; row i is y[i], column j is x[j]."""

    x: np.ndarray  # (res,)
    y: np.ndarray  # (res,)
    points: np.ndarray  # (res * res, 2), row-major: the point of cell (i, j) is at i * res + j


def grid_2d(input_range: tuple[Range, Range], resolution: int) -> Grid2D:
    (x_lo, x_hi), (y_lo, y_hi) = input_range
    xs, ys = np.linspace(x_lo, x_hi, resolution), np.linspace(y_lo, y_hi, resolution)
    points = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)  # rows follow y
    return Grid2D(xs, ys, points)


@dataclass(frozen=True)
class View2D:
    """A 2-input network over the grid (arrays (res, res), row = y, as a heatmap's z)."""

    x: np.ndarray  # (res,)
    y: np.ndarray  # (res,)
    z: np.ndarray  # the output (regression), P(class 1) (binary) or the largest probability
    classes: np.ndarray | None  # int64 predicted class per cell; None for regression
    regions: np.ndarray | None  # int64 linear-region id per cell; None for smooth activations
    region_count: int | None
    polygons: tuple[Region2D, ...] | None = None  # the exact regions: vertices, pattern, map
    boundary: np.ndarray | None = None  # (S, 2, 2) the exact decision boundary's segments


def view_2d(layers: Layers, activation: str, task: str, input_range: tuple[Range, Range],
            resolution: int, features: tuple[str, ...] = (),
            exact_regions: int = MAX_EXACT_REGIONS) -> View2D | None:
    """The 2-D picture; None when an output is not finite on the grid. Piecewise-linear nets of
    at most `exact_regions` grid regions (0: never) also get the exact polygons and decision
    boundary
    (models/regions2d.py, models/boundary2d.py). With input features the regions are still
    activation patterns, but no longer convex polygons: none."""
    grid = grid_2d(input_range, resolution)
    with np.errstate(over="ignore", invalid="ignore"):  # huge weights: checked just below
        columns = add_features(grid.points, features)  # (res * res, 2 + F)
        output = evaluate(layers, activation, columns)  # (res * res, outputs)
    if not np.isfinite(output).all():
        return None
    shape = (resolution, resolution)
    probability = class_probabilities(task, output)
    classes = None
    if task == "regression":
        z = output[:, 0]
    elif task == "binary":
        z = probability[:, 0]
        classes = (z > 0.5).astype(np.int64).reshape(shape)
    else:
        z = probability.max(axis=1)
        classes = probability.argmax(axis=1).astype(np.int64).reshape(shape)
    regions = region_map_2d(layers, activation, *input_range, resolution, features)
    region_id, count = (None, None) if regions is None else (regions[0], int(regions[1]))
    polygons = boundary = None
    if count is not None and count <= exact_regions and not features:
        # the grid can miss thin regions: allow twice as many before giving up
        polygons, boundary = exact_2d(layers, activation, task, input_range, 2 * exact_regions)
    return View2D(grid.x, grid.y, z.reshape(shape), classes, region_id, count, polygons,
                  boundary)


@dataclass(frozen=True)
class DigitSample:
    pixels: np.ndarray  # (inputs,) the image, 8x8 row-major for the digits
    label: int
    predicted: int


@dataclass(frozen=True)
class DigitsView:
    """How the test images are classified: confusion[true class, predicted class] counts."""

    confusion: np.ndarray  # (classes, classes) int64
    samples: tuple[DigitSample, ...]  # the first few test images


def digits_view(layers: Layers, activation: str, x: np.ndarray, labels: np.ndarray,
                classes: int, samples: int = DIGIT_SAMPLES) -> DigitsView:
    """x (N, inputs) images, labels (N,) their classes (N may be 0)."""
    x, labels = np.asarray(x, np.float64), np.asarray(labels).astype(np.int64)
    predicted = (evaluate(layers, activation, x).argmax(axis=1) if len(x)
                 else np.zeros(0, np.int64))
    confusion = np.zeros((classes, classes), np.int64)
    np.add.at(confusion, (labels, predicted), 1)
    return DigitsView(confusion, tuple(DigitSample(x[i], int(labels[i]), int(predicted[i]))
                                       for i in range(min(samples, len(x)))))


def linear_region_count(layers: Layers, activation: str, input_range: tuple[Range, ...],
                        resolution: int, features: tuple[str, ...] = ()) -> int | None:
    """Linear regions over the input range: exact for 1 input, the grid's cells' distinct
    activation patterns for 2; None for smooth activations, more inputs or non-finite weights,
    and for 1 input with features (no exact analysis; 2 inputs: the grid's patterns still)."""
    if activation_slopes(activation) is None or len(input_range) > 2 or not finite_layers(layers):
        return None
    if len(input_range) == 1 and features:
        return None
    if len(input_range) == 1:
        (lo, hi), = input_range
        return int(piecewise_1d(layers, activation, lo, hi)[0].region_count)
    return int(region_map_2d(layers, activation, *input_range, resolution, features)[1])


def picture(layers: Layers, activation: str, dataset: Dataset, resolution: int,
            max_units: int = MAX_UNITS_SHOWN, features: tuple[str, ...] = (),
            exact_regions: int = MAX_EXACT_REGIONS) -> View1D | View2D | DigitsView | None:
    """The picture that fits the dataset: digits (more than 2 inputs), 2-D or 1-D; None when the
    weights or outputs are not finite (a diverged run). features: the model's input features."""
    if not finite_layers(layers):
        return None
    info = dataset.info
    if info.inputs > 2:
        return digits_view(layers, activation, dataset.x_test.cpu().numpy(),
                           dataset.y_test.cpu().numpy(), info.classes or info.outputs)
    if info.inputs == 2:
        return view_2d(layers, activation, info.task, info.input_range, resolution, features,
                       exact_regions)
    (lo, hi), = info.input_range
    return view_1d(layers, activation, info.task, lo, hi, max_units, features)


# ---- bounds and counts beside the region count ------------------------------------------------

def region_bound_for(widths: Sequence[int], activation: str,
                     features: bool = False) -> tuple[int, str] | None:
    """(the most linear regions a net of these widths [inputs, D_1, ..., D_K, outputs] can make,
    which bound that is), or None where no simple bound applies (smooth activations, input
    features, 2-input nets of depth >= 2, more than 2 inputs).

    "lecture", 1 input: (D + 1)^K, for layers of different widths the product of (D_k + 1) (each
    layer's units cut each piece of its input at most once apiece). "zaslavsky", 2 inputs and at
    most one hidden layer: D lines in general position cut the plane into at most
    sum_{j=0}^{2} C(D, j) regions (37 for 8 units; 1 at depth 0). Both are D + 1 for one input and
    one hidden layer. With features the net is not piecewise linear in its inputs: None."""
    if activation_slopes(activation) is None or features:
        return None
    inputs, hidden = widths[0], list(widths[1:-1])
    if inputs == 1:
        return math.prod(units + 1 for units in hidden), "lecture"
    if inputs == 2 and len(hidden) <= 1:
        units = hidden[0] if hidden else 0
        return sum(math.comb(units, j) for j in range(inputs + 1)), "zaslavsky"
    return None


def parameter_terms(widths: Sequence[int]) -> tuple[tuple[int, int], ...]:
    """(fan_in, fan_out) of every Linear, input first: each holds (fan_in + 1) * fan_out numbers,
    the lecture's sum over layers of (D_{k-1} + 1) D_k."""
    return tuple(zip(widths[:-1], widths[1:], strict=True))


def batch_norm_parameters(widths: Sequence[int], batch_norm: bool) -> int:
    """Batch norm's own parameters: gamma and beta for every hidden unit (0 without it)."""
    return 2 * sum(widths[1:-1]) if batch_norm else 0
