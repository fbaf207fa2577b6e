"""The activation functions of the lecture, each with its derivative for the hand-written backward.

Pure torch; no state. `piecewise_linear` tells the analysis whether exact breakpoints exist.
"""

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F

Tensor = torch.Tensor
LEAKY_SLOPE = 0.01


@dataclass(frozen=True)
class Activation:
    """a = fn(z). `backward(grad_a, z, a)` returns dL/dz; slopes: (left of 0, right of 0)."""

    name: str
    fn: Callable[[Tensor], Tensor]
    piecewise_linear: bool
    slopes: tuple[float, float] | None
    backward: Callable[[Tensor, Tensor, Tensor], Tensor]


# The backward formulas below are PyTorch's own fused kernels (a handful of memory passes fewer
# than writing them out): relu: g * (a > 0); leaky: g * (1 if z > 0 else 0.01);
# sigmoid: g * a (1 - a); tanh: g * (1 - a^2); gelu: g * (Phi(z) + z phi(z));
# silu: g * s(z) (1 + z (1 - s(z))). tests/models/test_network.py checks them against autograd.
_aten = torch.ops.aten


ACTIVATIONS: dict[str, Activation] = {
    "relu": Activation("relu", torch.relu, True, (0.0, 1.0),
                       lambda grad, z, a: _aten.threshold_backward(grad, a, 0)),
    "leaky_relu": Activation("leaky_relu", lambda z: F.leaky_relu(z, LEAKY_SLOPE), True,
                             (LEAKY_SLOPE, 1.0),
                             lambda grad, z, a: _aten.leaky_relu_backward(grad, z, LEAKY_SLOPE,
                                                                          False)),
    "sigmoid": Activation("sigmoid", torch.sigmoid, False, None,
                          lambda grad, z, a: _aten.sigmoid_backward(grad, a)),
    "tanh": Activation("tanh", torch.tanh, False, None,
                       lambda grad, z, a: _aten.tanh_backward(grad, a)),
    "gelu": Activation("gelu", F.gelu, False, None,
                       lambda grad, z, a: _aten.gelu_backward(grad, z)),
    "silu": Activation("silu", F.silu, False, None,
                       lambda grad, z, a: _aten.silu_backward(grad, z)),
    "identity": Activation("identity", lambda z: z, True, (1.0, 1.0),
                           lambda grad, z, a: grad),
}
