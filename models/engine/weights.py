"""Weights set by hand: checking a run's (W, b) layers against the group's layout and packing them
into its flat parameter row, and which units the engine's dropout dropped in a given step.

Pure checks and arithmetic: nothing here touches a group's rows (RunGroup.set_weights writes them).
"""

import numpy as np
import torch

from models.engine.batched import Layout
from models.engine.sampling import dropout_keep, seed_key
from models.network import ModelConfig

FLOAT32_MAX = float(np.finfo(np.float32).max)


class WeightsError(ValueError):
    """Layers that do not fit the network; `field` names the part as the wire does
    (`layers`, `layers.1.weight`, `layers.0.bias`, `model.batch_norm`)."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def pack_layers(layout: Layout, model: ModelConfig, layers) -> torch.Tensor:
    """`layers` = [(W (out, in), b (out,)), ...] (anything numpy reads as numbers, one pair per
    Linear, input first) as one float32 parameter row (P,) laid out like MLP.parameters().

    Raises WeightsError naming the first part that is wrong: a net with batch norm (its folded
    weights cannot be unfolded into gamma, beta and running statistics), the number of layers, a
    shape, or a number that is not finite or too large for float32."""
    if model.batch_norm:
        raise WeightsError("a network with batch norm cannot take weights by hand: its folded "
                           "weights cannot be unfolded into gamma, beta and running statistics",
                           "model.batch_norm")
    if not isinstance(layers, list | tuple) or len(layers) != len(layout.slots):
        count = len(layers) if isinstance(layers, list | tuple) else type(layers).__name__
        raise WeightsError(f"expected {len(layout.slots)} layers (one per Linear, input first), "
                           f"got {count}", "layers")
    row = torch.zeros(layout.size, dtype=torch.float64)
    for index, (slot, layer) in enumerate(zip(layout.slots, layers, strict=True)):
        if not isinstance(layer, list | tuple) or len(layer) != 2:
            raise WeightsError(f"layers.{index} must be a (weight, bias) pair", f"layers.{index}")
        weight = _numbers(layer[0], (slot.fan_out, slot.fan_in), f"layers.{index}.weight")
        bias = _numbers(layer[1], (slot.fan_out,), f"layers.{index}.bias")
        row[slot.weight:slot.bias] = torch.from_numpy(weight.reshape(-1))
        row[slot.bias:slot.bias + slot.fan_out] = torch.from_numpy(bias)
    return row.float()


def _numbers(value, shape: tuple[int, ...], field: str) -> np.ndarray:
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):  # ragged rows, or not numbers at all
        raise WeightsError(f"{field} must be a {_shape(shape)} array of numbers", field) from None
    if array.shape != shape:
        raise WeightsError(f"{field} must have shape {_shape(shape)}, got {_shape(array.shape)}",
                           field)
    if not np.isfinite(array).all() or (array.size and np.abs(array).max() > FLOAT32_MAX):
        raise WeightsError(f"{field} must hold finite numbers within float32 (|x| <= 3.4e38)",
                           field)
    return array


def _shape(shape: tuple[int, ...]) -> str:
    return " x ".join(map(str, shape)) if shape else "scalar"


def dropped_units(model: ModelConfig, seed: int, step: int) -> list[np.ndarray] | None:
    """Per hidden layer, the indices (sorted, int64) of the units dropout zeroed at step counter
    `step` (the 0-based update number) for the first example of that update's batch: the same
    counter-based mask the step loop draws (sampling.dropout_keep), at positions 0..D_l - 1.
    None without dropout or before the first update (step < 0)."""
    if model.dropout == 0.0 or step < 0:
        return None
    key = seed_key(torch.tensor([int(seed)], dtype=torch.int64))
    counter = torch.tensor([int(step)], dtype=torch.int64)
    widths = model.widths()[1:-1]
    return [torch.nonzero(dropout_keep(key, counter, layer, (1, 1, width), model.dropout)[0, 0]
                          == 0).flatten().numpy() for layer, width in enumerate(widths)]
