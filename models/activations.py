"""The activation functions of the lecture, each with its derivative for the hand-written backward.

Pure torch; no state. `piecewise_linear` tells the analysis whether exact breakpoints exist.
"""

import math
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


def _gelu_backward(grad: Tensor, z: Tensor, a: Tensor) -> Tensor:
    # gelu(z) = z * Phi(z)  ->  d/dz = Phi(z) + z * phi(z)
    cdf = 0.5 * (1.0 + torch.erf(z * (1.0 / math.sqrt(2.0))))
    pdf = torch.exp(-0.5 * z * z) * (1.0 / math.sqrt(2.0 * math.pi))
    return grad * (cdf + z * pdf)


def _silu_backward(grad: Tensor, z: Tensor, a: Tensor) -> Tensor:
    # silu(z) = z * s(z)  ->  d/dz = s(z) * (1 + z * (1 - s(z)))
    s = torch.sigmoid(z)
    return grad * (s * (1.0 + z * (1.0 - s)))


ACTIVATIONS: dict[str, Activation] = {
    "relu": Activation("relu", torch.relu, True, (0.0, 1.0),
                       lambda grad, z, a: torch.where(z > 0, grad, 0.0)),
    "leaky_relu": Activation("leaky_relu", lambda z: F.leaky_relu(z, LEAKY_SLOPE), True,
                             (LEAKY_SLOPE, 1.0),
                             lambda grad, z, a: torch.where(z > 0, grad, LEAKY_SLOPE * grad)),
    "sigmoid": Activation("sigmoid", torch.sigmoid, False, None,
                          lambda grad, z, a: grad * (a * (1.0 - a))),
    "tanh": Activation("tanh", torch.tanh, False, None,
                       lambda grad, z, a: grad * (1.0 - a * a)),
    "gelu": Activation("gelu", F.gelu, False, None, _gelu_backward),
    "silu": Activation("silu", F.silu, False, None, _silu_backward),
    "identity": Activation("identity", lambda z: z, True, (1.0, 1.0),
                           lambda grad, z, a: grad),
}
