"""The network: a plain, readable multi-layer perceptron (the reference) and its parameter counts.

The fast batched engine (models/engine/) must agree with this module; nothing here is optimised.
"""

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from models.activations import ACTIVATIONS

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
    """Architecture: `depth` hidden layers of `hidden_units` each (depth 0 = linear model)."""

    inputs: int = 1
    outputs: int = 1
    hidden_units: int = 8
    depth: int = 1
    activation: str = "relu"
    init: str = "default"
    dropout: float = 0.0
    batch_norm: bool = False

    def __post_init__(self) -> None:
        _check_int("inputs", self.inputs, 1, MAX_FEATURES)
        _check_int("outputs", self.outputs, 1, MAX_FEATURES)
        _check_int("hidden_units", self.hidden_units, 1, MAX_HIDDEN_UNITS)
        _check_int("depth", self.depth, 0, MAX_DEPTH)
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

    def widths(self) -> list[int]:
        """Units per layer, input first: [inputs, D, ..., D, outputs]."""
        return [self.inputs] + [self.hidden_units] * self.depth + [self.outputs]


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
    """Linear -> [BatchNorm1d] -> activation -> [Dropout], `depth` times, then a Linear output."""

    def __init__(self, config: ModelConfig, generator: torch.Generator | None = None) -> None:
        super().__init__()
        self.config = config
        layers: list[nn.Module] = []
        width = config.inputs
        for _ in range(config.depth):
            layers.append(nn.Linear(width, config.hidden_units))
            if config.batch_norm:
                layers.append(nn.BatchNorm1d(config.hidden_units, eps=BATCH_NORM_EPS,
                                             momentum=BATCH_NORM_MOMENTUM))
            layers.append(_MODULES[config.activation]())
            if config.dropout > 0:
                layers.append(nn.Dropout(config.dropout))
            width = config.hidden_units
        layers.append(nn.Linear(width, config.outputs))
        self.layers = nn.Sequential(*layers)
        for layer in self.layers:
            if isinstance(layer, nn.Linear):
                init_linear(layer, config.init, generator)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)  # (N, inputs) -> (N, outputs)

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
        count += 2 * config.hidden_units * config.depth
    return count


def lecture_parameter_count(hidden_units: int, depth: int) -> int:
    """The lecture's count for 1 input, 1 output, K layers of D units: 3D + 1 + (K - 1)D(D + 1)."""
    if depth == 0:
        return 2  # a line: slope and intercept
    return 3 * hidden_units + 1 + (depth - 1) * hidden_units * (hidden_units + 1)


def region_bound(hidden_units: int, depth: int) -> int:
    """The lecture's upper bound (D + 1)^K on the linear regions of a 1-input ReLU network."""
    return (hidden_units + 1) ** depth
