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
    """a = fn(z); slopes: (left of 0, right of 0) for the piecewise-linear ones.

    backward(grad_a, z, a) returns dL/dz and may overwrite grad_a's memory. When `needs_input` is
    False the backward reads only a, so the engine applies `fn_` in place and drops z.
    """

    name: str
    fn: Callable[[Tensor], Tensor]
    piecewise_linear: bool
    slopes: tuple[float, float] | None
    backward: Callable[[Tensor, Tensor | None, Tensor], Tensor]
    needs_input: bool = False
    fn_: Callable[[Tensor], Tensor] | None = None  # in-place version of fn


# The derivatives are PyTorch's own fused backward kernels, written into the incoming gradient:
# relu: g * (a > 0); leaky: g * (1 if a > 0 else 0.01); sigmoid: g * a (1 - a);
# tanh: g * (1 - a^2); gelu: g * (Phi(z) + z phi(z)); silu: g * s(z) (1 + z (1 - s(z))).
# tests/models/test_network.py checks each against autograd.
_aten = torch.ops.aten


def _relu_backward(grad: Tensor, z: Tensor | None, a: Tensor) -> Tensor:
    return _aten.threshold_backward.grad_input(grad, a, 0, grad_input=grad)


def _leaky_backward(grad: Tensor, z: Tensor | None, a: Tensor) -> Tensor:
    return _aten.leaky_relu_backward.grad_input(grad, a, LEAKY_SLOPE, True, grad_input=grad)


def _sigmoid_backward(grad: Tensor, z: Tensor | None, a: Tensor) -> Tensor:
    return _aten.sigmoid_backward.grad_input(grad, a, grad_input=grad)


def _tanh_backward(grad: Tensor, z: Tensor | None, a: Tensor) -> Tensor:
    return _aten.tanh_backward.grad_input(grad, a, grad_input=grad)


def _gelu_backward(grad: Tensor, z: Tensor | None, a: Tensor) -> Tensor:
    return _aten.gelu_backward.grad_input(grad, z, grad_input=grad)


def _silu_backward(grad: Tensor, z: Tensor | None, a: Tensor) -> Tensor:
    return _aten.silu_backward.grad_input(grad, z, grad_input=grad)


ACTIVATIONS: dict[str, Activation] = {
    "relu": Activation("relu", torch.relu, True, (0.0, 1.0), _relu_backward, False, torch.relu_),
    "leaky_relu": Activation("leaky_relu", lambda z: F.leaky_relu(z, LEAKY_SLOPE), True,
                             (LEAKY_SLOPE, 1.0), _leaky_backward, False,
                             lambda z: F.leaky_relu_(z, LEAKY_SLOPE)),
    "sigmoid": Activation("sigmoid", torch.sigmoid, False, None, _sigmoid_backward, False,
                          torch.sigmoid_),
    "tanh": Activation("tanh", torch.tanh, False, None, _tanh_backward, False, torch.tanh_),
    "gelu": Activation("gelu", F.gelu, False, None, _gelu_backward, True),
    "silu": Activation("silu", F.silu, False, None, _silu_backward, True),
    "identity": Activation("identity", lambda z: z, True, (1.0, 1.0),
                           lambda grad, z, a: grad, False, lambda z: z),
}
