"""One training step opened up: the forward pass, each example's loss, backprop layer by layer and
the optimiser's update, written out by hand in float64 from a run's exported state.

The lecture's recipe, in its notation (columns are examples, as in the lecture's matrices):
    forward   f_k = beta_k + Omega_k h_{k-1}    (D_k, B);   h_k = a[f_k], h_0 = x^T, output f_K
    backward  dL/dOmega_k = dL/df_k h_{k-1}^T;  dL/dbeta_k = dL/df_k 1;
              dL/dh_{k-1} = Omega_k^T dL/df_k;  dL/df_{k-1} = a'[f_{k-1}] * dL/dh_{k-1}
No autograd (tests/models/test_inspect.py holds it to torch.autograd) and no engine state is
changed: `inspect_step` reads a RunState (RunGroup.export_run) and predicts the next step.
"""

from dataclasses import dataclass

import torch

from models.configs import ADAM_BETAS, ADAM_EPS, RunConfig
from models.datasets import Dataset
from models.engine.batched import Layout
from models.engine.checkpoint import RunState
from models.engine.rows import batch_of
from models.engine.sampling import epoch_batches, steps_per_epoch
from models.features import add_features
from models.inspect_math import DERIVATIVES, activate
from models.losses import gradient_scale, per_example_loss, predicted_mean, targets_as_float

Tensor = torch.Tensor


class InspectError(ValueError):
    """A run the inspector cannot open up; `field` names the reason as the wire does."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class ParameterUpdate:
    """What the optimiser does to one tensor (a layer's Omega or beta), all float64 numpy.

    gradient: what the optimiser sees (dL/dtheta + l1 sign(theta) + weight_decay theta);
    change: new - old (sgd: -alpha g; momentum: -alpha v; adam: -alpha m_hat / (sqrt(v_hat) + eps));
    velocity (momentum: the new v = mu v + g), m_hat and sqrt_v_hat (adam), else None.
    """

    gradient: object
    change: object
    velocity: object = None
    m_hat: object = None
    sqrt_v_hat: object = None


@dataclass(frozen=True)
class LayerStep:
    """Layer k (1-based in the lecture; index k - 1 here). Shapes with D = D_k, D' = D_{k-1}."""

    weight: object  # Omega_k (D, D') float64 numpy
    bias: object  # beta_k (D,)
    pre: object  # f_k (D, B)
    post: object  # h_k = a[f_k] (D, B); the output layer: f_K itself
    grad_post: object  # dL/dh_k (D, B): read from the layer above (the output layer: None)
    grad_pre: object  # dL/df_k (D, B)
    grad_weight: object  # dL/dOmega_k (D, D')
    grad_bias: object  # dL/dbeta_k (D,)
    grad_input: object  # dL/dh_{k-1} = Omega_k^T dL/df_k (D', B)
    weight_update: ParameterUpdate
    bias_update: ParameterUpdate


@dataclass(frozen=True)
class InspectedStep:
    """The step the engine takes next for this run, predicted in float64."""

    step: int  # the run's step before this update
    indices: object  # (B,) int64 rows of the training set in this batch, in batch order
    inputs: object  # h_0 = x^T (D_0, B): the inputs with any features, as the first layer takes
    targets: object  # (outputs, B) float targets (one-hot for multiclass)
    losses: object  # (B,) each example's negative log-likelihood
    loss: float  # their mean: the data loss L this step differentiates
    penalty: float  # l1 sum |theta| + weight_decay / 2 sum theta^2 (0 without them)
    layers: tuple[LayerStep, ...]
    new_layers: tuple  # ((Omega_k + change, beta_k + change), ...) float64 numpy
    optimizer: str
    learning_rate: float
    adam_t: int | None  # Adam's update number t (bias corrections 1 - beta^t), else None


def check_inspectable(config: RunConfig) -> None:
    """InspectError for what the inspector does not write out: batch norm and dropout."""
    if config.model.batch_norm:
        raise InspectError("the step inspector does not open up networks with batch norm (its "
                           "backward pass couples the examples of a batch)", "model.batch_norm")
    if config.model.dropout > 0:
        raise InspectError("the step inspector does not open up networks with dropout (each "
                           "example has its own random mask)", "model.dropout")


def next_batch(state: RunState, n_train: int) -> Tensor:
    """(B,) the training rows of the engine's next step: the batch order of sampling.py, from the
    run's counters (the schedule restarts at a new batch size or new data)."""
    training = state.config.training
    per_epoch = steps_per_epoch(n_train, batch_of(training.batch_size, n_train))
    epoch, position = divmod(state.step - state.schedule_step, per_epoch)
    return epoch_batches(training.seed, n_train, training.batch_size,
                         state.schedule_epoch + epoch)[position]


def unpack(config: RunConfig, flat: Tensor) -> list[tuple[Tensor, Tensor]]:
    """A flat (P,) row (MLP.parameters() order) -> [(Omega_k (D_k, D_{k-1}), beta_k (D_k,))]."""
    layout = Layout(config.model)
    return [(flat[s.weight:s.bias].view(s.fan_out, s.fan_in), flat[s.bias:s.bias + s.fan_out])
            for s in layout.slots]


def batch_tensors(config: RunConfig, dataset: Dataset, indices: Tensor) -> tuple[Tensor, Tensor]:
    """h_0 (D_0, B) and the targets (outputs, B), float64, for the batch's training rows."""
    x = add_features(dataset.x_train[indices].double(), config.model.features)  # (B, D_0)
    target = targets_as_float(dataset.info.task, dataset.y_train[indices], config.model.outputs)
    return x.T.contiguous(), target.double().T.contiguous()


def forward(layers, activation: str, h0: Tensor) -> tuple[list[Tensor], list[Tensor]]:
    """Every layer's f_k and h_k (each (D_k, B)); the last h is f_K (no activation on outputs)."""
    pre, post, h = [], [], h0
    for k, (weight, bias) in enumerate(layers):
        f = bias[:, None] + weight @ h  # (D_k, D_{k-1}) @ (D_{k-1}, B) -> (D_k, B)
        h = f if k == len(layers) - 1 else activate(activation, f)
        pre.append(f)
        post.append(h)
    return pre, post


def data_loss(task: str, output: Tensor, target: Tensor) -> Tensor:
    """(outputs, B) -> (B,) each example's negative log-likelihood (models/losses.py)."""
    return per_example_loss(task, output.T, target.T)


def inspect_step(state: RunState, dataset: Dataset) -> InspectedStep:
    """The run's next step written out: the batch the engine takes next, forward, loss, backward
    and the update of its optimiser from its current state (InspectError: batch norm, dropout)."""
    config = state.config
    check_inspectable(config)
    model, training, task = config.model, config.training, dataset.info.task
    indices = next_batch(state, len(dataset.x_train))
    h0, target = batch_tensors(config, dataset, indices)
    flat = state.parameters.double()
    layers = unpack(config, flat)
    pre, post = forward(layers, model.activation, h0)
    losses = data_loss(task, post[-1], target)  # (B,)
    count = len(indices)
    # dL/df_K for the mean loss: (predicted mean - target) * scale / B, for all three tasks
    grad_pre = ((predicted_mean(task, post[-1].T) - target.T) * gradient_scale(task, model.outputs)
                / count).T  # (outputs, B)
    backward = []
    for k in range(len(layers) - 1, -1, -1):
        weight, _ = layers[k]
        below = h0 if k == 0 else post[k - 1]  # h_{k-1}, stored by the forward pass
        grad_weight = grad_pre @ below.T  # (D_k, B) @ (B, D_{k-1}): a sum over the batch
        grad_bias = grad_pre.sum(1)  # (D_k,)
        grad_input = weight.T @ grad_pre  # (D_{k-1}, B)
        backward.append((grad_pre, grad_weight, grad_bias, grad_input))
        if k > 0:  # through the activation: a'[f_{k-1}] elementwise (ReLU: the mask f > 0)
            grad_pre = DERIVATIVES[model.activation](pre[k - 1], post[k - 1]) * grad_input
    backward.reverse()
    gradient = torch.cat([torch.cat([gw.reshape(-1), gb]) for _, gw, gb, _ in backward])
    updates, adam_t = optimizer_update(state, flat, gradient)
    new_flat = flat + updates["change"]
    new_layers = tuple((w.numpy(), b.numpy()) for w, b in unpack(config, new_flat))
    pieces = [unpack(config, value) if value is not None else None for value in updates.values()]
    result = []
    for k, ((weight, bias), f, h, (gp, gw, gb, gi)) in enumerate(
            zip(layers, pre, post, backward, strict=True)):
        parts = [part[k] if part is not None else (None, None) for part in pieces]
        above = backward[k + 1][3] if k + 1 < len(layers) else None
        result.append(LayerStep(
            weight.numpy(), bias.numpy(), f.numpy(), h.numpy(),
            None if above is None else above.numpy(), gp.numpy(), gw.numpy(), gb.numpy(),
            gi.numpy(), *(ParameterUpdate(*[None if p[i] is None else p[i].numpy()
                                            for p in parts]) for i in (0, 1))))
    l1, decay = training.l1, training.weight_decay
    penalty = float(l1 * flat.abs().sum() + 0.5 * decay * flat.square().sum())
    return InspectedStep(state.step, indices.numpy(), h0.numpy(), target.numpy(),
                         losses.numpy(), float(losses.mean()), penalty, tuple(result),
                         new_layers, training.optimizer, training.learning_rate, adam_t)


def optimizer_update(state: RunState, flat: Tensor, gradient: Tensor) -> tuple[dict, int | None]:
    """The update of models/engine/optim.py in float64 for one run, flat (P,) tensors by name
    (ParameterUpdate's fields, None where the optimiser has no such part); Adam's t or None."""
    training = state.config.training
    g = gradient + training.l1 * torch.sign(flat) + training.weight_decay * flat
    rate = training.learning_rate
    parts = {"gradient": g, "change": None, "velocity": None, "m_hat": None, "sqrt_v_hat": None}
    saved = {name: value.double() for name, value in state.optimizer_state.items()}
    if training.optimizer == "sgd":
        parts["change"] = -rate * g
        return parts, None
    if training.optimizer == "momentum":
        velocity = training.momentum * saved["momentum_buffer"] + g
        parts.update(change=-rate * velocity, velocity=velocity)
        return parts, None
    beta1, beta2 = ADAM_BETAS
    t = state.step + 1 - state.optimizer_origin
    m = beta1 * saved["exp_avg"] + (1 - beta1) * g
    v = beta2 * saved["exp_avg_sq"] + (1 - beta2) * g * g
    m_hat, sqrt_v_hat = m / (1 - beta1**t), torch.sqrt(v / (1 - beta2**t))
    parts.update(change=-rate * m_hat / (sqrt_v_hat + ADAM_EPS), m_hat=m_hat,
                 sqrt_v_hat=sqrt_v_hat)
    return parts, t


def finite_difference(state: RunState, dataset: Dataset, layer: int, row: int,
                      column: int | None, h: float = 1e-6) -> float:
    """dL/dtheta of the batch's data loss for one weight (Omega_layer[row, column]) or bias
    (column None), by central differences (L(theta + h) - L(theta - h)) / 2h in float64."""
    config = state.config
    check_inspectable(config)
    indices = next_batch(state, len(dataset.x_train))
    h0, target = batch_tensors(config, dataset, indices)
    values = []
    for sign in (1.0, -1.0):
        flat = state.parameters.double().clone()
        weight, bias = unpack(config, flat)[layer]
        (bias[row:row + 1] if column is None else weight[row, column:column + 1]).add_(sign * h)
        output = forward(unpack(config, flat), config.model.activation, h0)[1][-1]
        values.append(float(data_loss(dataset.info.task, output, target).mean()))
    return (values[0] - values[1]) / (2 * h)
