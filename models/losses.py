"""Losses from the maximum-likelihood recipe: pick a distribution for y, predict its parameters,
minimise the negative log-likelihood. Pure torch functions of (output, target); no state.

regression -> Gaussian with fixed variance -> mean squared error
binary     -> Bernoulli(sigmoid(f))       -> binary cross-entropy on the logits
multiclass -> Categorical(softmax(f))     -> cross-entropy on the logits
"""

import torch
import torch.nn.functional as F

Tensor = torch.Tensor
TASKS = ("regression", "binary", "multiclass")
_NAMES = {"regression": "mse", "binary": "bce", "multiclass": "cross_entropy"}


def _check(task: str) -> None:
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; choose one of {list(TASKS)}")


def loss_name(task: str) -> str:
    """The loss the task's likelihood gives: "mse", "bce" or "cross_entropy"."""
    _check(task)
    return _NAMES[task]


def mse(output: Tensor, target: Tensor) -> Tensor:
    """Gaussian NLL with fixed variance, up to constants: mean of (f - y)^2."""
    return F.mse_loss(output, target)


def bce(output: Tensor, target: Tensor) -> Tensor:
    """Bernoulli NLL with p = sigmoid(f): mean of -y log p - (1 - y) log(1 - p)."""
    return F.binary_cross_entropy_with_logits(output, target)


def cross_entropy(output: Tensor, target: Tensor) -> Tensor:
    """Categorical NLL with p = softmax(f): mean of -log p[y]. target: (N,) class indices."""
    return F.cross_entropy(output, target)


LOSSES = {"regression": mse, "binary": bce, "multiclass": cross_entropy}


def loss_function(task: str):
    """The reference loss for a task (mean over the batch), as used by a plain training loop."""
    _check(task)
    return LOSSES[task]


# The engine works on float targets of shape (..., outputs): the value (regression), 0/1 (binary)
# or the one-hot class (multiclass). All three losses have the same gradient shape:
# dL/df = (mean of the predicted distribution - target) * scale.

def per_example_loss(task: str, output: Tensor, target: Tensor) -> Tensor:
    """(..., outputs) -> (...): each example's negative log-likelihood."""
    if task == "regression":
        return (output - target).square().mean(-1)
    if task == "binary":
        return F.binary_cross_entropy_with_logits(output, target, reduction="none").mean(-1)
    _check(task)
    return -(target * torch.log_softmax(output, -1)).sum(-1)


def predicted_mean(task: str, output: Tensor) -> Tensor:
    """The predicted distribution's mean: f itself, sigmoid(f) or softmax(f)."""
    if task == "regression":
        return output
    if task == "binary":
        return torch.sigmoid(output)
    _check(task)
    return torch.softmax(output, -1)


def gradient_scale(task: str, outputs: int) -> float:
    """dL/df = (predicted_mean - target) * scale for the per-example loss above."""
    _check(task)
    return {"regression": 2.0 / outputs, "binary": 1.0 / outputs, "multiclass": 1.0}[task]


def targets_as_float(task: str, y: Tensor, outputs: int) -> Tensor:
    """Dataset targets -> (N, outputs) float: one-hot for multiclass, unchanged otherwise."""
    if task == "multiclass":
        return F.one_hot(y.long(), outputs).float()
    return y.float().reshape(len(y), outputs)
