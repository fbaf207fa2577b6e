"""Optimisers for many runs at once, as in-place updates of one flat (R, P) parameter tensor.

Same arithmetic as torch.optim.SGD (with and without momentum) and torch.optim.Adam (L2 weight
decay added to the gradient), with a learning rate per run, and the L1 penalty's subgradient that
models/loop.py gets from its loss. No autograd and no data here.
"""

from collections.abc import Sequence

import torch

from models.configs import ADAM_BETAS, ADAM_EPS

Tensor = torch.Tensor


def adam_bias_correction(steps: Tensor, learning_rate: Tensor) -> tuple[Tensor, Tensor]:
    """Adam's bias corrections for update number t = steps (1-based), in float64.

    Returns (lr / (1 - b1^t), sqrt(1 - b2^t)).
    """
    beta1, beta2 = ADAM_BETAS
    t = steps.to(torch.float64)
    return learning_rate / (1.0 - torch.pow(beta1, t)), torch.sqrt(1.0 - torch.pow(beta2, t))


def update(optimizer: str, params: Tensor, grad: Tensor, state: Sequence[Tensor], rate: Tensor,
           momentum: Tensor | None, weight_decay: Tensor | None,
           correction: Tensor | None, l1: Tensor | None = None) -> None:
    """One in-place optimiser step for every run (rows of params (R, P)).

    rate (R, 1): the learning rate (Adam: lr / (1 - b1^t)), 0 for runs that must not move;
    momentum (R, 1); weight_decay (R, 1) or None when all are 0; correction (R, 1) Adam's
    sqrt(1 - b2^t); l1 (R, 1) or None when all are 0. `grad` may be modified.
    """
    if l1 is not None:  # d/dp of l1 * |p|, in the loss: g + l1 sign(p) (0 at 0), before decay
        grad = grad.add_(torch.sign(params).mul_(l1))
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
