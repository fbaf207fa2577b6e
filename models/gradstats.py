"""Gradients and activations, layer by layer, for the step a run takes next (the UDL notebook on
initialisation, made live): how large each layer's gradient and update are beside its weights, how
spread out its activations and its dL/df are, and how many of its units are dead.

It summarises the step inspector's float64 step (models/inspect.py `inspect_step`: the engine's
next mini-batch, forward, backprop and the optimiser's update) and changes nothing. Notation as in
the lecture: f_k = beta_k + Omega_k h_{k-1}, h_k = a[f_k]; layer K is the output (h_K = f_K).
"""

from dataclasses import dataclass

import numpy as np

from models.inspect import InspectedStep

BINS = 21  # histogram bins, an odd number so that 0 sits in the middle bin of a symmetric range


@dataclass(frozen=True)
class Histogram:
    """counts[i] values fall in [edges[i], edges[i + 1]) (the last bin includes its right edge)."""

    edges: np.ndarray  # (BINS + 1,) float64
    counts: np.ndarray  # (BINS,) int64


@dataclass(frozen=True)
class LayerStatistics:
    """Layer k of the net (index k - 1), on the batch of the next step; norms are Frobenius over
    Omega_k and beta_k together."""

    weight_norm: float  # ||theta_k||
    grad_norm: float  # ||dL/dtheta_k|| of the data loss
    update_norm: float  # ||change_k||: what the optimiser adds to theta_k this step
    update_ratio: float  # update_norm / weight_norm (inf for all-zero weights)
    pre_std: float  # the spread of f_k over the batch's examples and the layer's units
    post_std: float  # ... of h_k (the output layer: f_K)
    grad_pre_std: float  # ... of dL/df_k (summed over the batch, the mean loss: tiny per example)
    dead: float | None  # hidden layers: the fraction of units with h = 0 for every example
    post: Histogram  # h_k
    grad_pre: Histogram  # dL/df_k


def histogram(values: np.ndarray, bins: int = BINS) -> Histogram:
    """A histogram over a range symmetric about 0 (or [0, max] for values that are never below
    0, as ReLU's), so that bars from one step to the next compare; all zeros: one bin at 0."""
    values = np.asarray(values, np.float64).ravel()
    top = float(np.abs(values).max()) if values.size else 0.0
    if top == 0.0 or not np.isfinite(top):
        top = 1.0
    low = 0.0 if values.size and values.min() >= 0.0 else -top
    counts, edges = np.histogram(values, bins=bins, range=(low, top))
    return Histogram(edges, counts.astype(np.int64))


def _norm(*arrays: np.ndarray) -> float:
    return float(np.sqrt(sum(float(np.sum(np.square(a))) for a in arrays)))


def layer_statistics(step: InspectedStep) -> tuple[LayerStatistics, ...]:
    """Every layer's statistics, input side first."""
    result = []
    last = len(step.layers) - 1
    for k, layer in enumerate(step.layers):
        weight_norm = _norm(layer.weight, layer.bias)
        update_norm = _norm(layer.weight_update.change, layer.bias_update.change)
        dead = None
        if k < last:  # a unit is dead on this batch when its activation is 0 for every example
            dead = float(np.mean(np.all(layer.post == 0.0, axis=1)))
        result.append(LayerStatistics(
            weight_norm=weight_norm,
            grad_norm=_norm(layer.grad_weight, layer.grad_bias),
            update_norm=update_norm,
            update_ratio=update_norm / weight_norm if weight_norm > 0 else float("inf"),
            pre_std=float(np.std(layer.pre)), post_std=float(np.std(layer.post)),
            grad_pre_std=float(np.std(layer.grad_pre)), dead=dead,
            post=histogram(layer.post), grad_pre=histogram(layer.grad_pre)))
    return tuple(result)
