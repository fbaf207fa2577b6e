"""Exact analysis of a trained network: its pieces, kinks, hidden units and linear regions.

numpy float64 in, plain dataclasses out; `layers` = [(W (out, in), b (out,)), ...] from
MLP.affine_layers() or RunGroup.layers(). Never trains and never touches torch modules; the
pictures built from it (probabilities, grids, joints) are in models/pictures.py.
"""

from dataclasses import dataclass

import numpy as np
import torch

from models.activations import ACTIVATIONS
from models.regions import (
    Layers,
    Piecewise,
    activation_slopes,
    as_layers,
    piecewise_1d,
    polyline_x,
    region_map_2d,
)

__all__ = [
    "LinearFit", "Piecewise", "UnitDecomposition", "activate", "evaluate", "linear_regression",
    "piecewise_1d", "polyline_x", "region_map_2d", "unit_decomposition_1d",
]


@dataclass(frozen=True)
class UnitDecomposition:
    """The lecture's panels for a 1-input network evaluated at N points x.

    pre[l], post[l] (H_l, N): pre-activation and activation of every unit of hidden layer l.
    weighted (outputs, H_last, N): output weight * last hidden activation (at depth 0 the "last
    hidden layer" is the input itself); bias (outputs,); total (outputs, N) = summed + bias.
    """

    x: np.ndarray
    pre: list[np.ndarray]
    post: list[np.ndarray]
    weighted: np.ndarray
    bias: np.ndarray
    total: np.ndarray


@dataclass(frozen=True)
class LinearFit:
    """y ~ beta0 + beta1 * x by least squares; rss = the residual sum of squares."""

    beta0: float
    beta1: float
    rss: float


def activate(activation: str, z: np.ndarray) -> np.ndarray:
    """The activation applied elementwise to a float64 array."""
    slopes = activation_slopes(activation)
    if slopes is not None:
        left, right = slopes
        return np.where(z > 0, right * z, left * z)
    with torch.no_grad():
        return ACTIVATIONS[activation].fn(torch.from_numpy(np.asarray(z, np.float64))).numpy()


def _inputs(x: np.ndarray, inputs: int) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 1 and inputs == 1:
        x = x[:, None]
    if x.ndim != 2 or x.shape[1] != inputs:
        raise ValueError(f"x must have shape (N, {inputs}), got {x.shape}")
    return x


def _forward(layers: Layers, activation: str, x: np.ndarray):
    """Hidden pre-activations and activations (each (H, N)) and the output (out, N)."""
    h = x.T  # (in, N)
    pre, post = [], []
    for weight, bias in layers[:-1]:
        z = weight @ h + bias[:, None]  # (in, N) -> (H, N)
        h = activate(activation, z)
        pre.append(z)
        post.append(h)
    weight, bias = layers[-1]
    return pre, post, weight @ h + bias[:, None]  # (out, N)


def evaluate(layers: Layers, activation: str, x: np.ndarray) -> np.ndarray:
    """The network's outputs (N, out) at the rows of x (N, in) (a 1-D array is fine for 1 input)."""
    layers = as_layers(layers)
    _, _, out = _forward(layers, activation, _inputs(x, layers[0][0].shape[1]))
    return out.T


def unit_decomposition_1d(layers: Layers, activation: str, x: np.ndarray) -> UnitDecomposition:
    """Every hidden unit's pre-activation and activation at x, and each last-layer unit's
    weighted contribution to every output (x: (N,) or (N, 1))."""
    layers = as_layers(layers)
    x = _inputs(x, layers[0][0].shape[1])
    pre, post, total = _forward(layers, activation, x)
    weight, bias = layers[-1]
    last = post[-1] if post else x.T  # (H_last, N)
    weighted = weight[:, :, None] * last[None, :, :]  # (out, H_last, 1) * (1, H_last, N)
    return UnitDecomposition(x[:, 0] if x.shape[1] == 1 else x, pre, post, weighted, bias.copy(),
                             total)


def linear_regression(x: np.ndarray, y: np.ndarray) -> LinearFit:
    """The lecture's closed form: beta1 = sum((x - x_mean)(y - y_mean)) / sum((x - x_mean)^2),
    beta0 = y_mean - beta1 * x_mean. If every x is the same, beta1 = 0 (the best flat line)."""
    x = np.asarray(x, dtype=np.float64).ravel()
    y = np.asarray(y, dtype=np.float64).ravel()
    if len(x) != len(y) or len(x) == 0:
        raise ValueError(f"need as many x as y and at least one point, got {len(x)} and {len(y)}")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise ValueError("x and y must be finite")
    dx, dy = x - x.mean(), y - y.mean()
    spread = float(dx @ dx)
    beta1 = float(dx @ dy) / spread if spread > 0 else 0.0
    beta0 = float(y.mean() - beta1 * x.mean())
    residual = y - (beta0 + beta1 * x)
    return LinearFit(beta0, beta1, float(residual @ residual))
