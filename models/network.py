"""The network: a plain, readable multi-layer perceptron (the reference) and its parameter counts.

The fast batched engine (models/engine/) must agree with this module; nothing here is optimised.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from models.activations import ACTIVATIONS
from models.features import FeatureMap, check_features

INITS = ("default", "he", "xavier")
MAX_HIDDEN_UNITS = 1024
MAX_DEPTH = 16
MAX_FEATURES = 4096
BATCH_NORM_EPS = 1e-5
BATCH_NORM_MOMENTUM = 0.1

_MODULES = {
    "relu": nn.ReLU, "leaky_relu": lambda: nn.LeakyReLU(0.01), "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh, "gelu": nn.GELU, "silu": nn.SiLU, "identity": nn.Identity,
}


def _check_int(name: str, value: object, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{name} must be between {low} and {high}, got {value}")


@dataclass(frozen=True)
class ModelConfig:
    """Architecture: `depth` hidden layers (depth 0 = linear model) of `hidden_units` each, or of
    one width per layer (a tuple of `depth` ints; all equal is stored as the one int).

    features: extra input columns from models/features.py (stored sorted), before the network.
    """

    inputs: int = 1
    outputs: int = 1
    hidden_units: int | tuple[int, ...] = 8
    depth: int = 1
    activation: str = "relu"
    init: str = "default"
    dropout: float = 0.0
    batch_norm: bool = False
    features: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_int("inputs", self.inputs, 1, MAX_FEATURES)
        _check_int("outputs", self.outputs, 1, MAX_FEATURES)
        _check_int("depth", self.depth, 0, MAX_DEPTH)
        object.__setattr__(self, "hidden_units", _canonical_widths(self.hidden_units, self.depth))
        object.__setattr__(self, "features", check_features(self.inputs, self.features))
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {self.activation!r}; "
                             f"choose one of {sorted(ACTIVATIONS)}")
        if self.init not in INITS:
            raise ValueError(f"unknown init {self.init!r}; choose one of {list(INITS)}")
        if not (isinstance(self.dropout, int | float) and math.isfinite(self.dropout)
                and 0.0 <= self.dropout < 1.0):
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout!r}")
        if not isinstance(self.batch_norm, bool):
            raise ValueError(f"batch_norm must be true or false, got {self.batch_norm!r}")

    def hidden_widths(self) -> tuple[int, ...]:
        """Units of each hidden layer, the first first (`depth` numbers)."""
        if isinstance(self.hidden_units, tuple):
            return self.hidden_units
        return (self.hidden_units,) * self.depth

    def widths(self) -> list[int]:
        """Columns into and out of each Linear: [inputs + features, D_1, ..., D_K, outputs]."""
        return [self.inputs + len(self.features), *self.hidden_widths(), self.outputs]


def _canonical_widths(hidden_units: object, depth: int) -> int | tuple[int, ...]:
    """One int (every layer) or a tuple of `depth` ints; equal widths become the one int."""
    if isinstance(hidden_units, list | tuple):
        if len(hidden_units) != depth or depth == 0:
            raise ValueError(f"hidden_units lists {len(hidden_units)} width(s) but depth is "
                             f"{depth}: give one width per hidden layer, or one number for all")
        for index, width in enumerate(hidden_units):
            _check_int(f"hidden_units[{index}]", width, 1, MAX_HIDDEN_UNITS)
        widths = tuple(int(width) for width in hidden_units)
        return widths[0] if len(set(widths)) == 1 else widths
    _check_int("hidden_units", hidden_units, 1, MAX_HIDDEN_UNITS)
    return int(hidden_units)


def init_linear(layer: nn.Linear, scheme: str, generator: torch.Generator | None) -> None:
    """Draw one layer's weights (then its bias) from `generator` following `scheme`."""
    fan_out, fan_in = layer.weight.shape
    with torch.no_grad():
        if scheme == "default":  # what nn.Linear does: U(-1/sqrt(fan_in), 1/sqrt(fan_in))
            bound = 1.0 / math.sqrt(fan_in)
            layer.weight.uniform_(-bound, bound, generator=generator)
            layer.bias.uniform_(-bound, bound, generator=generator)
        elif scheme == "he":  # He / Kaiming normal for ReLU: N(0, 2 / fan_in)
            layer.weight.normal_(0.0, math.sqrt(2.0 / fan_in), generator=generator)
            layer.bias.zero_()
        elif scheme == "xavier":  # Glorot uniform: U(-a, a), a = sqrt(6 / (fan_in + fan_out))
            bound = math.sqrt(6.0 / (fan_in + fan_out))
            layer.weight.uniform_(-bound, bound, generator=generator)
            layer.bias.zero_()
        else:
            raise ValueError(f"unknown init {scheme!r}; choose one of {list(INITS)}")


class MLP(nn.Module):
    """[features] -> (Linear -> [BatchNorm1d] -> activation -> [Dropout]) per hidden layer, then a
    Linear output. Takes the raw inputs (N, inputs); the feature map adds its columns first."""

    def __init__(self, config: ModelConfig, generator: torch.Generator | None = None) -> None:
        super().__init__()
        self.config = config
        self.features = FeatureMap(config.features)  # no parameters: (N, in) -> (N, in + F)
        layers: list[nn.Module] = []
        widths = config.widths()
        for fan_in, width in zip(widths[:-2], widths[1:-1], strict=True):
            layers.append(nn.Linear(fan_in, width))
            if config.batch_norm:
                layers.append(nn.BatchNorm1d(width, eps=BATCH_NORM_EPS,
                                             momentum=BATCH_NORM_MOMENTUM))
            layers.append(_MODULES[config.activation]())
            if config.dropout > 0:
                layers.append(nn.Dropout(config.dropout))
        layers.append(nn.Linear(widths[-2], config.outputs))
        self.layers = nn.Sequential(*layers)
        for layer in self.layers:
            if isinstance(layer, nn.Linear):
                init_linear(layer, config.init, generator)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(self.features(x))  # (N, inputs) -> (N, in + F) -> (N, outputs)

    @torch.no_grad()
    def affine_layers(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Each Linear as float64 (W (out, in), b (out,)), eval-mode batch norm folded in."""
        result: list[tuple[np.ndarray, np.ndarray]] = []
        for layer in self.layers:
            if isinstance(layer, nn.Linear):
                result.append((layer.weight.double().cpu().numpy().copy(),
                               layer.bias.double().cpu().numpy().copy()))
            elif isinstance(layer, nn.BatchNorm1d):  # y = gamma (z - mean) / sqrt(var + eps) + beta
                weight, bias = result[-1]
                scale = (layer.weight.double() / torch.sqrt(layer.running_var.double()
                                                            + layer.eps)).cpu().numpy()
                mean = layer.running_mean.double().cpu().numpy()
                result[-1] = (weight * scale[:, None],
                              (bias - mean) * scale + layer.bias.double().cpu().numpy())
        return result


def parameter_count(config: ModelConfig) -> int:
    """Number of trainable numbers: weights and biases (+ 2 per unit with batch norm)."""
    widths = config.widths()
    count = sum((fan_in + 1) * fan_out for fan_in, fan_out in zip(widths, widths[1:], strict=False))
    if config.batch_norm:
        count += 2 * sum(config.hidden_widths())
    return count


def _layer_widths(hidden_units: int | Sequence[int], depth: int) -> tuple[int, ...]:
    return ModelConfig(hidden_units=hidden_units, depth=depth).hidden_widths()


def lecture_parameter_count(hidden_units: int | Sequence[int], depth: int) -> int:
    """The lecture's count for 1 input, 1 output, K layers of D units: 3D + 1 + (K - 1)D(D + 1).

    The formula assumes every layer has the same width D: other widths raise ValueError."""
    widths = set(_layer_widths(hidden_units, depth))
    if len(widths) > 1:
        raise ValueError("the lecture's parameter count assumes every layer has the same width")
    if depth == 0:
        return 2  # a line: slope and intercept
    (width,) = widths
    return 3 * width + 1 + (depth - 1) * width * (width + 1)


def region_bound(hidden_units: int | Sequence[int], depth: int) -> int:
    """The upper bound on the linear regions of a 1-input ReLU network: the product over layers
    of (D_k + 1), the lecture's (D + 1)^K when every layer has D units. On each region that the
    layers below leave, a unit's pre-activation is affine in x, so it cuts it at most once."""
    return math.prod(width + 1 for width in _layer_widths(hidden_units, depth))
