"""Optimisers for many runs at once, as in-place updates of one flat (R, P) parameter tensor.

Same arithmetic as torch.optim.SGD (with and without momentum) and torch.optim.Adam (L2 weight
decay added to the gradient), with a learning rate per run. No autograd and no data here.
"""

import math
from dataclasses import dataclass

import numpy as np
import torch

Tensor = torch.Tensor
OPTIMIZERS = ("sgd", "momentum", "adam")
STATE_NAMES = {"sgd": (), "momentum": ("momentum_buffer",), "adam": ("exp_avg", "exp_avg_sq")}
ADAM_BETAS = (0.9, 0.999)
ADAM_EPS = 1e-8
MAX_BATCH_SIZE = 100_000
MAX_LEARNING_RATE = 1e6


@dataclass(frozen=True)
class TrainingConfig:
    """How to train. `momentum` is used by the "momentum" optimiser; Adam keeps betas (0.9, 0.999).

    batch_size None = full batch (plain gradient descent); one epoch = one pass over the data.
    """

    optimizer: str = "adam"
    learning_rate: float = 0.01
    momentum: float = 0.9
    weight_decay: float = 0.0
    batch_size: int | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {self.optimizer!r}; choose one of "
                             f"{list(OPTIMIZERS)}")
        _check_float("learning_rate", self.learning_rate, 0.0, MAX_LEARNING_RATE, open_low=True)
        _check_float("momentum", self.momentum, 0.0, 1.0)
        _check_float("weight_decay", self.weight_decay, 0.0, MAX_LEARNING_RATE)
        size = self.batch_size
        if size is not None and (isinstance(size, bool) or not isinstance(size, int | np.integer)
                                 or not 1 <= size <= MAX_BATCH_SIZE):
            raise ValueError(f"batch_size must be null (full batch) or an integer in "
                             f"[1, {MAX_BATCH_SIZE}], got {self.batch_size!r}")
        if (isinstance(self.seed, bool) or not isinstance(self.seed, int | np.integer)
                or not 0 <= self.seed < 2**63):
            raise ValueError(f"seed must be an integer in [0, 2**63), got {self.seed!r}")


def _check_float(name: str, value: object, low: float, high: float, open_low: bool = False) -> None:
    ok = (isinstance(value, int | float | np.floating) and not isinstance(value, bool)
          and math.isfinite(value) and low <= value <= high and not (open_low and value == low))
    if not ok:
        bracket = "(" if open_low else "["
        raise ValueError(f"{name} must be a number in {bracket}{low}, {high}], got {value!r}")


def adam_schedule(steps: Tensor, learning_rate: Tensor) -> tuple[Tensor, Tensor]:
    """Adam's bias corrections for update number t = steps (1-based), in float64.

    Returns (lr / (1 - b1^t), sqrt(1 - b2^t)).
    """
    beta1, beta2 = ADAM_BETAS
    t = steps.to(torch.float64)
    return learning_rate / (1.0 - torch.pow(beta1, t)), torch.sqrt(1.0 - torch.pow(beta2, t))


def update(optimizer: str, params: Tensor, grad: Tensor, state: list[Tensor], rate: Tensor,
           momentum: Tensor | None, weight_decay: Tensor | None,
           correction: Tensor | None) -> None:
    """One in-place optimiser step for every run (rows of params (R, P)).

    rate (R, 1): the learning rate (Adam: lr / (1 - b1^t)), 0 for runs that must not move;
    momentum (R, 1); weight_decay (R, 1) or None when all are 0; correction (R, 1) Adam's
    sqrt(1 - b2^t). `grad` may be modified.
    """
    if weight_decay is not None:
        grad = grad.addcmul_(weight_decay, params)  # L2 penalty: g + wd * p
    if optimizer == "sgd":
        params.sub_(grad * rate)
    elif optimizer == "momentum":  # v = mu v + g ; p = p - lr v
        buffer = state[0]
        buffer.mul_(momentum).add_(grad)
        params.sub_(buffer * rate)
    else:  # adam: m = b1 m + (1 - b1) g ; v = b2 v + (1 - b2) g^2 ; p -= lr_t m / (sqrt(v_t) + eps)
        first, second = state
        beta1, beta2 = ADAM_BETAS
        first.lerp_(grad, 1.0 - beta1)
        second.mul_(beta2).addcmul_(grad, grad, value=1.0 - beta2)
        denom = (second.sqrt() / correction).add_(ADAM_EPS)
        params.sub_(first / denom * rate)
