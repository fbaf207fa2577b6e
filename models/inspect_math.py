"""The activations' derivatives a'[f], written out for the step inspector (models/inspect.py).

Each takes f (the pre-activation) and a = a[f] and returns a'[f] elementwise, in f's dtype. The
engine's backward uses PyTorch's fused kernels instead (models/activations.py); these are the
formulas a student writes, held to torch.autograd by tests/models/test_inspect.py.
"""

import math

import torch

from models.activations import ACTIVATIONS, LEAKY_SLOPE

Tensor = torch.Tensor


def activate(name: str, f: Tensor) -> Tensor:
    """h = a[f] with the activation of models/activations.py."""
    return ACTIVATIONS[name].fn(f)


def _gelu(f: Tensor, a: Tensor) -> Tensor:  # Phi(f) + f phi(f)
    cdf = 0.5 * (1.0 + torch.erf(f / math.sqrt(2.0)))
    return cdf + f * torch.exp(-0.5 * f * f) / math.sqrt(2.0 * math.pi)


def _silu(f: Tensor, a: Tensor) -> Tensor:  # s(f) (1 + f (1 - s(f)))
    s = torch.sigmoid(f)
    return s * (1.0 + f * (1.0 - s))


DERIVATIVES = {
    "relu": lambda f, a: (f > 0).to(f.dtype),  # the ReLU mask: 1 where the unit is on
    "leaky_relu": lambda f, a: torch.where(f > 0, 1.0, LEAKY_SLOPE).to(f.dtype),
    "sigmoid": lambda f, a: a * (1.0 - a),
    "tanh": lambda f, a: 1.0 - a * a,
    "gelu": _gelu,
    "silu": _silu,
    "identity": lambda f, a: torch.ones_like(f),
}
