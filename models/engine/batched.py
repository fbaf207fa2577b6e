"""The MLP of models/network.py for R runs at once: parameters stacked along a leading run axis.

Each run's parameters are one row of a flat (R, P) tensor, laid out like `MLP.parameters()`.
`gradient` is a hand-written backward pass (few torch ops, no autograd) for the common case;
`autograd_gradient` handles batch norm and dropout. No optimiser, no data handling here.
"""

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import torch

from models.activations import ACTIVATIONS
from models.losses import per_example_loss, predicted_mean
from models.network import BATCH_NORM_EPS, BATCH_NORM_MOMENTUM, MLP, ModelConfig

Tensor = torch.Tensor


def to_device(values, device: torch.device) -> Tensor:
    """Host values (a numpy array or a list) as a tensor on `device` without waiting for the
    device: a blocking copy would make the host wait for every step already queued there."""
    return torch.from_numpy(np.ascontiguousarray(values)).to(device, non_blocking=True)


@dataclass(frozen=True)
class Slot:
    """Where one Linear (and its batch norm) lives in a run's flat parameter row."""

    fan_in: int
    fan_out: int
    weight: int  # offset of W (fan_out, fan_in), row-major
    bias: int  # offset of b (fan_out,)
    gamma: int | None  # batch norm scale and shift offsets (hidden layers with batch norm)
    beta: int | None
    stats: int | None  # offset of (running_mean, running_var) in the statistics row


class Linear(NamedTuple):
    """Views of one layer's parameters for R runs (made once; in-place updates show through)."""

    w: Tensor  # (R, out, in)
    b: Tensor  # (R, out)
    wt: Tensor  # (R, in, out) = W^T
    brow: Tensor  # (R, 1, out)


class Layout:
    """Offsets of every tensor in the flat rows; `size` parameters, `stats_size` BN statistics."""

    def __init__(self, model: ModelConfig) -> None:
        widths = model.widths()
        self.slots: list[Slot] = []
        offset = stats = 0
        for layer, (fan_in, fan_out) in enumerate(zip(widths, widths[1:], strict=False)):
            hidden = layer < model.depth
            norm = hidden and model.batch_norm
            weight, bias = offset, offset + fan_in * fan_out
            offset = bias + fan_out
            gamma = beta = stat = None
            if norm:
                gamma, beta, stat = offset, offset + fan_out, stats
                offset, stats = offset + 2 * fan_out, stats + 2 * fan_out
            self.slots.append(Slot(fan_in, fan_out, weight, bias, gamma, beta, stat))
        self.size = offset
        self.stats_size = stats

    def linear(self, flat: Tensor) -> list[Linear]:
        """Views of each layer's W and b inside flat (R, P)."""
        runs = flat.shape[0]
        result = []
        for s in self.slots:
            weight = flat[:, s.weight:s.bias].view(runs, s.fan_out, s.fan_in)
            bias = flat[:, s.bias:s.bias + s.fan_out]
            result.append(Linear(weight, bias, weight.transpose(1, 2), bias.unsqueeze(1)))
        return result

    def affine(self, flat: np.ndarray, stats: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """One run's float64 (W (out, in), b (out,)) per Linear, eval-mode batch norm folded in."""
        result = []
        for s in self.slots:
            weight = flat[s.weight:s.bias].reshape(s.fan_out, s.fan_in).copy()
            bias = flat[s.bias:s.bias + s.fan_out].copy()
            if s.gamma is not None:  # gamma (z - mean) / sqrt(var + eps) + beta, folded
                mean = stats[s.stats:s.stats + s.fan_out]
                var = stats[s.stats + s.fan_out:s.stats + 2 * s.fan_out]
                scale = flat[s.gamma:s.gamma + s.fan_out] / np.sqrt(var + BATCH_NORM_EPS)
                weight = weight * scale[:, None]
                bias = (bias - mean) * scale + flat[s.beta:s.beta + s.fan_out]
            result.append((weight, bias))
        return result

    def affine_rows(self, flat: Tensor, stats: Tensor) -> list[list[tuple[np.ndarray, np.ndarray]]]:
        """`affine` of every row of flat (R, P) and stats (R, S), with one device transfer."""
        table = torch.cat([flat, stats], 1).double().cpu().numpy()
        return [self.affine(row[:self.size], row[self.size:]) for row in table]

    def to_module(self, model: ModelConfig, flat: Tensor, stats: Tensor) -> MLP:
        """One run's row (P,) and statistics (S,) as the reference nn.Module, in eval mode."""
        module = MLP(model)
        torch.nn.utils.vector_to_parameters(flat, module.parameters())
        norms = [m for m in module.layers if isinstance(m, torch.nn.BatchNorm1d)]
        for slot, norm in zip([s for s in self.slots if s.stats is not None], norms, strict=True):
            norm.running_mean.copy_(stats[slot.stats:slot.stats + slot.fan_out])
            norm.running_var.copy_(stats[slot.stats + slot.fan_out:slot.stats + 2 * slot.fan_out])
        return module.eval()

    def initial_stats(self, runs: int) -> Tensor:
        """Running mean 0 and running variance 1, as a fresh BatchNorm1d has."""
        row = torch.zeros(self.stats_size)
        for s in self.slots:
            if s.stats is not None:
                row[s.stats + s.fan_out:s.stats + 2 * s.fan_out] = 1.0
        return row.repeat(runs, 1)


class TaskMix:
    """The task of every run (regression, binary, multiclass): one for the whole group, or a mix,
    each run then using its own task's loss."""

    def __init__(self, tasks: list[str], device: torch.device) -> None:
        self.tasks = sorted(set(tasks))
        self.single = self.tasks[0] if len(self.tasks) == 1 else None
        self.masks = {t: to_device([task == t for task in tasks], device)[:, None, None]
                      for t in self.tasks} if self.single is None else {}

    def _pick(self, function, *args) -> Tensor:
        if self.single is not None:
            return function(self.single, *args)
        result = None
        for task in self.tasks:
            value = function(task, *args)
            mask = self.masks[task] if value.dim() == 3 else self.masks[task][:, :, 0]
            result = value if result is None else torch.where(mask, value, result)
        return result

    def mean(self, output: Tensor) -> Tensor:
        return self._pick(predicted_mean, output)

    def loss(self, output: Tensor, target: Tensor) -> Tensor:
        return self._pick(per_example_loss, output, target)

    def correct(self, output: Tensor, target: Tensor) -> Tensor:
        """(R, N) 1.0 where the predicted class is right (0 for regression runs)."""
        return self._pick(_correct, output, target)


def _correct(task: str, output: Tensor, target: Tensor) -> Tensor:
    if task == "binary":
        return ((output[..., 0] > 0) == (target[..., 0] > 0.5)).float()
    if task == "multiclass":
        return (output.argmax(-1) == target.argmax(-1)).float()
    return torch.zeros(output.shape[:-1], device=output.device)


# The three products of a linear layer, each in whichever form is fastest for its shape: with one
# input or one output a batched matmul degenerates to a broadcast multiply, and bmm(A^T, B) is
# much faster when A is the narrower operand.

def affine(h: Tensor, layer: Linear) -> Tensor:
    """h W^T + b: (R, B, in) -> (R, B, out)."""
    if layer.wt.shape[1] == 1:
        return torch.addcmul(layer.brow, h, layer.wt)
    return torch.baddbmm(layer.brow, h, layer.wt)


def backward_input(delta: Tensor, w: Tensor) -> Tensor:
    """dL/dh = delta W: (R, B, out), (R, out, in) -> (R, B, in)."""
    if w.shape[1] == 1:
        return delta * w
    return torch.bmm(delta, w)


def weight_gradient(delta: Tensor, h: Tensor) -> Tensor:
    """dL/dW = delta^T h: (R, B, out), (R, B, in) -> (R, out, in)."""
    if delta.shape[2] <= h.shape[2]:
        return torch.bmm(delta.transpose(1, 2), h)
    return torch.bmm(h.transpose(1, 2), delta).transpose(1, 2)


class Network:
    """Batched forward and backward passes of one architecture."""

    def __init__(self, model: ModelConfig) -> None:
        self.model = model
        self.layout = Layout(model)
        self.activation = ACTIVATIONS[model.activation]
        self.fast = not model.batch_norm and model.dropout == 0.0

    def forward(self, flat: Tensor, x: Tensor, stats: Tensor | None = None) -> Tensor:
        """Eval-mode outputs: x (R, N, in) -> (R, N, out). Batch norm uses running statistics."""
        h = x
        last = len(self.layout.slots) - 1
        for index, (slot, layer) in enumerate(zip(self.layout.slots, self.layout.linear(flat),
                                                  strict=True)):
            h = affine(h, layer)  # (R, N, in) -> (R, N, out)
            if index == last:
                break
            if slot.gamma is not None:
                h = self._norm_eval(flat, stats, slot, h)
            h = (self.activation.fn_ or self.activation.fn)(h)  # h is fresh: in place is safe
        return h

    @staticmethod
    def _norm_eval(flat: Tensor, stats: Tensor, slot: Slot, z: Tensor) -> Tensor:
        width = slot.fan_out
        mean = stats[:, slot.stats:slot.stats + width].unsqueeze(1)
        var = stats[:, slot.stats + width:slot.stats + 2 * width].unsqueeze(1)
        gamma = flat[:, slot.gamma:slot.gamma + width].unsqueeze(1)
        beta = flat[:, slot.beta:slot.beta + width].unsqueeze(1)
        return (z - mean) * torch.rsqrt(var + BATCH_NORM_EPS) * gamma + beta

    def gradient(self, linear: list[Linear], tasks: TaskMix, x: Tensor,
                 target: Tensor, weight: Tensor) -> Tensor:
        """dL/dparameters (R, P) by hand-written backpropagation (no batch norm, no dropout).

        linear: `Layout.linear(flat)`; x (R, B, in); target (R, B, out); weight (R, B, 1) each
        example's share of its run's loss (1/batch, 0 for padding) times the loss's gradient scale.
        """
        act = self.activation
        inputs, pre = [x], []
        h = x
        for layer in linear[:-1]:
            z = affine(h, layer)  # (R, B, D)
            if act.needs_input:
                h = act.fn(z)
                pre.append(z)
            else:  # the backward needs only the activation: overwrite z (less memory traffic)
                h = act.fn_(z)
                pre.append(None)
            inputs.append(h)
        out = affine(h, linear[-1])  # (R, B, out)
        delta = (tasks.mean(out) - target) * weight  # dL/d(output): (R, B, out)
        grads: list[Tensor] = []
        runs = x.shape[0]
        for layer in range(len(linear) - 1, -1, -1):
            grads.append(delta.sum(1))  # dL/db (R, out)
            grads.append(weight_gradient(delta, inputs[layer]).reshape(runs, -1))  # dL/dW
            if layer > 0:
                back = backward_input(delta, linear[layer].w)  # dL/dh (R, B, in)
                delta = act.backward(back, pre[layer - 1], inputs[layer])
        grads.reverse()
        return torch.cat(grads, dim=1)

    def autograd_gradient(self, flat: Tensor, stats: Tensor | None, tasks: TaskMix, x: Tensor,
                          target: Tensor, weight: Tensor, valid: Tensor,
                          keep: list[Tensor] | None) -> tuple[Tensor, Tensor | None]:
        """Training-mode gradient with batch norm and dropout; returns (grad, new statistics).

        valid (R, B, 1) 1.0 for real examples; keep: per hidden layer dropout masks (R, B, D).
        """
        params = flat.detach().requires_grad_(True)
        new_stats = stats.clone() if stats is not None else None
        with torch.enable_grad():
            h = x
            linear = self.layout.linear(params)
            last = len(linear) - 1
            for index, (slot, layer) in enumerate(zip(self.layout.slots, linear, strict=True)):
                h = affine(h, layer)
                if index == last:
                    break
                if slot.gamma is not None:
                    h = self._norm_train(params, new_stats, slot, h, valid)
                h = self.activation.fn(h)
                if keep is not None:
                    h = h * keep[index]
            loss = (tasks.loss(h, target) * weight[..., 0]).sum()
            (grad,) = torch.autograd.grad(loss, params)
        return grad, new_stats

    @staticmethod
    def _norm_train(params: Tensor, stats: Tensor, slot: Slot, z: Tensor, valid: Tensor) -> Tensor:
        width = slot.fan_out
        count = valid.sum(1, keepdim=True)  # (R, 1, 1)
        mean = (z * valid).sum(1, keepdim=True) / count  # (R, 1, D)
        centred = z - mean
        var = (centred.square() * valid).sum(1, keepdim=True) / count  # biased, as in training
        gamma = params[:, slot.gamma:slot.gamma + width].unsqueeze(1)
        beta = params[:, slot.beta:slot.beta + width].unsqueeze(1)
        with torch.no_grad():  # running statistics use the unbiased variance, like BatchNorm1d
            unbiased = var * count / (count - 1).clamp(min=1)
            running = stats[:, slot.stats:slot.stats + 2 * width]
            update = torch.cat([mean[:, 0], unbiased[:, 0]], dim=1)
            running.lerp_(update.detach(), BATCH_NORM_MOMENTUM)
        return centred * torch.rsqrt(var + BATCH_NORM_EPS) * gamma + beta
