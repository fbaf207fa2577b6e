"""Datasets of the playground: a registry of what exists and make_dataset(config) -> tensors.

Everything is generated locally from the config's seed (digits come bundled with scikit-learn);
nothing is downloaded. User points are validated here and raise ValueError naming the problem.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from models import synthetic

MAX_USER_POINTS = 500
USER_POINT_RANGE = (-10.0, 10.0)  # every coordinate and every regression target of a user point
N_POINTS_RANGE = (2, 20_000)  # the server caps it further with PLAYGROUND_MAX_POINTS
MAX_NOISE = 10.0
DIGITS_SAMPLES = 1797  # scikit-learn's bundled 8x8 digits

UserPoint = tuple[tuple[float, ...], float]


@dataclass(frozen=True)
class DatasetConfig:
    """Which dataset and how to draw it. `points` is only read by the custom datasets."""

    name: str = "sine"
    n_points: int = 100  # points drawn (synthetic) or the most samples used (digits)
    noise: float = 0.1  # std of the gaussian noise (targets, coordinates or the class boundary)
    train_fraction: float = 0.8  # share of the points that train; 1.0: all, no test set
    seed: int = 0
    points: tuple[UserPoint, ...] | None = None


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    title: str
    group: str  # 1d_regression, 1d_classification, 2d_classification, 2d_regression, ...
    task: str  # regression, binary or multiclass (models/losses.py TASKS)
    inputs: int
    outputs: int
    input_range: tuple[tuple[float, float], ...]  # one (low, high) per input, for drawing
    classes: int | None  # None for regression
    custom: bool = False  # built from user-supplied points


@dataclass(frozen=True, eq=False)
class Dataset:
    """x: (N, inputs) float32; y: (N, outputs) float32 (regression, binary 0/1) or (N,) int64.

    The test split is empty (N = 0) when train_fraction is 1.0."""

    info: DatasetInfo
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor


def _info(name, title, group, task, inputs, outputs, span, classes=None, custom=False):
    return DatasetInfo(name, title, group, task, inputs, outputs, ((-span, span),) * inputs,
                       classes, custom)


_TITLES = {
    "sine": "Sine wave", "abs": "Absolute value", "step": "Step", "cubic": "Cubic",
    "triangle": "Triangle wave", "gaussian_bump": "Gaussian bump", "noisy_line": "Noisy line",
    "interval_1d": "Interval (1-D classes)", "threshold_1d": "Threshold (1-D classes)",
    "circle": "Circle", "xor": "XOR", "gaussians": "Two gaussians", "spiral": "Spiral",
    "moons": "Moons", "plane": "Plane", "bumps": "Gaussian bumps", "blobs": "Three blobs",
    "two_outputs": "Two outputs (sine and |x|)",
}

DATASETS: dict[str, DatasetInfo] = {
    **{name: _info(name, _TITLES[name], "1d_regression", "regression", 1, 1, 1.0)
       for name in synthetic.REGRESSION_1D},
    **{name: _info(name, _TITLES[name], "1d_regression", "regression", 1, 2, 1.0)
       for name in synthetic.MULTI_OUTPUT_1D},
    **{name: _info(name, _TITLES[name], "1d_classification", "binary", 1, 1, 1.0, 2)
       for name in synthetic.CLASSIFICATION_1D},
    **{name: _info(name, _TITLES[name], "2d_classification", "binary", 2, 1, 1.5, 2)
       for name in synthetic.CLASSIFICATION_2D},
    **{name: _info(name, _TITLES[name], "2d_regression", "regression", 2, 1, 1.5)
       for name in synthetic.REGRESSION_2D},
    "blobs": _info("blobs", _TITLES["blobs"], "multiclass", "multiclass", 2, 3, 1.5,
                   synthetic.BLOB_CLASSES),
    "digits": DatasetInfo("digits", "Handwritten digits (8x8)", "digits", "multiclass", 64, 10,
                          ((0.0, 1.0),) * 64, 10),
    "custom_1d": _info("custom_1d", "Your points (1-D)", "custom", "regression", 1, 1, 2.0,
                       custom=True),
    "custom_1d_binary": _info("custom_1d_binary", "Your points (1-D classes)", "custom", "binary",
                              1, 1, 2.0, 2, custom=True),
    "custom_2d": _info("custom_2d", "Your points (2-D classes)", "custom", "binary", 2, 1, 2.0, 2,
                       custom=True),
}

_GENERATORS = {
    **synthetic.REGRESSION_1D, **synthetic.MULTI_OUTPUT_1D, **synthetic.CLASSIFICATION_1D,
    **synthetic.CLASSIFICATION_2D, **synthetic.REGRESSION_2D, **synthetic.MULTICLASS_2D,
}


def _check_config(config: DatasetConfig) -> DatasetInfo:
    if config.name not in DATASETS:
        raise ValueError(f"unknown dataset {config.name!r}; choose one of {sorted(DATASETS)}")
    low, high = N_POINTS_RANGE
    if isinstance(config.n_points, bool) or not isinstance(config.n_points, int | np.integer):
        raise ValueError(f"n_points must be an integer, got {config.n_points!r}")
    if not low <= config.n_points <= high:
        raise ValueError(f"n_points must be between {low} and {high}, got {config.n_points}")
    for field in ("noise", "train_fraction"):
        if isinstance(getattr(config, field), bool) or not isinstance(
                getattr(config, field), int | float | np.integer | np.floating):
            raise ValueError(f"{field} must be a number, got {getattr(config, field)!r}")
    if not (math.isfinite(config.noise) and 0.0 <= config.noise <= MAX_NOISE):
        raise ValueError(f"noise must be between 0 and {MAX_NOISE}, got {config.noise}")
    if not (math.isfinite(config.train_fraction) and 0.0 < config.train_fraction <= 1.0):
        raise ValueError(f"train_fraction must be above 0 and at most 1, got "
                         f"{config.train_fraction}")
    if isinstance(config.seed, bool) or not isinstance(config.seed, int | np.integer):
        raise ValueError(f"seed must be an integer, got {config.seed!r}")
    if not 0 <= config.seed < 2**63:
        raise ValueError(f"seed must be between 0 and 2**63 - 1, got {config.seed}")
    return DATASETS[config.name]


def validate_points(info: DatasetInfo, points: Sequence | None) -> tuple[UserPoint, ...]:
    """Check user points for a custom dataset and return them as tuples; ValueError if bad."""
    if points is None or len(points) < 2:
        raise ValueError(f"dataset {info.name!r} needs at least 2 points, got "
                         f"{0 if points is None else len(points)}")
    if len(points) > MAX_USER_POINTS:
        raise ValueError(f"points: at most {MAX_USER_POINTS} points, got {len(points)}")
    low, high = USER_POINT_RANGE
    clean = []
    for index, point in enumerate(points):
        try:
            x, y = point
            x = tuple(float(value) for value in x)
            y = float(y)
        except (TypeError, ValueError):
            raise ValueError(f"points[{index}] must be (x: list of numbers, y: number), "
                             f"got {point!r}") from None
        if len(x) != info.inputs:
            raise ValueError(f"points[{index}].x must have {info.inputs} number(s) for "
                             f"{info.name!r}, got {len(x)}")
        for value in (*x, y):
            if not (math.isfinite(value) and low <= value <= high):
                raise ValueError(f"points[{index}]: every number must be finite and within "
                                 f"[{low}, {high}], got {value}")
        if info.task == "binary" and y not in (0.0, 1.0):
            raise ValueError(f"points[{index}].y must be 0 or 1 for {info.name!r}, got {y}")
        clean.append((x, y))
    return tuple(clean)


def _digits(n_points: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    from sklearn.datasets import load_digits  # imported here: only digits needs scikit-learn

    digits = load_digits()
    order = torch.randperm(len(digits.target), generator=generator)[:n_points]
    x = torch.from_numpy(digits.data / 16.0).float()[order]  # (N, 64) pixels in [0, 1]
    y = torch.from_numpy(digits.target).long()[order]  # (N,)
    return x, y


def _split(x: torch.Tensor, y: torch.Tensor, train_fraction: float, generator: torch.Generator,
           info: DatasetInfo) -> Dataset:
    n = len(x)
    if train_fraction == 1.0:  # every point trains: no test set
        n_train = n
    else:  # both splits non-empty
        n_train = min(max(round(n * train_fraction), 1), n - 1)
    order = torch.randperm(n, generator=generator)
    train, test = order[:n_train], order[n_train:]
    return Dataset(info, x[train].contiguous(), y[train].contiguous(), x[test].contiguous(),
                   y[test].contiguous())


def make_dataset(config: DatasetConfig) -> Dataset:
    """Draw the dataset `config` names; the same config always gives identical tensors."""
    info = _check_config(config)
    generator = torch.Generator().manual_seed(int(config.seed))
    if info.custom:
        points = validate_points(info, config.points)
        x = torch.tensor([p[0] for p in points], dtype=torch.float32)  # (N, inputs)
        y = torch.tensor([[p[1]] for p in points], dtype=torch.float32)  # (N, 1)
    elif info.name == "digits":
        x, y = _digits(min(config.n_points, DIGITS_SAMPLES), generator)
    else:
        x, y = _GENERATORS[info.name](config.n_points, float(config.noise), generator)
    return _split(x.float(), y, config.train_fraction, generator, info)
