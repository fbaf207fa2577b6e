"""The step loop of RunGroup: batches, gradient, divergence mask, optimiser update, evaluations.

Everything per step is a fixed handful of batched torch ops, independent of the number of runs;
host work (batch order, Adam's bias corrections) is done once per block of steps, and inside the
loop nothing is copied to or from the host: that is the engine's speed. The loop yields what it
evaluated; recording it is the group's job.
"""

from collections.abc import Iterator
from dataclasses import dataclass, fields
from typing import NamedTuple

import numpy as np
import torch

from models.engine.batched import Network, TaskMix, to_device
from models.engine.optim import adam_bias_correction, update
from models.engine.rows import DeviceRows, HostRows
from models.engine.sampling import block_indices, dropout_keep

Tensor = torch.Tensor
BLOCK_STEPS = 32  # steps whose batches are gathered at once
BLOCK_ELEMENTS = 2_000_000  # bound on the floats gathered per block


@dataclass(frozen=True)
class EvaluationSet:
    """Tensors derived from the data rows for the full-set losses: every run's training and test
    points side by side, with weights that average each split (0 on padding)."""

    train_weight: Tensor  # (R, N_train) 1 / n_train on real training points
    x: Tensor  # (R, N_train + N_test, inputs)
    target: Tensor  # (R, N_train + N_test, outputs)
    split_weight: Tensor  # (R, N_train + N_test, 2): column 0 averages train, column 1 test

    @classmethod
    def of(cls, rows: DeviceRows, host: HostRows) -> "EvaluationSet":
        device = rows.x_train.device

        def averaging(length: int, count: np.ndarray) -> Tensor:  # (R, length)
            count = torch.as_tensor(count, device=device, dtype=torch.float32)[:, None]
            real = torch.arange(length, device=device) < count
            return real / count.clamp(min=1.0)  # no test set: all zeros, never 0 / 0

        train = averaging(rows.x_train.shape[1], host.n_train)
        test = averaging(rows.x_test.shape[1], host.n_test)
        split = torch.stack([torch.cat([train, torch.zeros_like(test)], 1),
                             torch.cat([torch.zeros_like(train), test], 1)], dim=2)
        return cls(train, torch.cat([rows.x_train, rows.x_test], 1),
                   torch.cat([rows.target_train, rows.target_test], 1), split)

    def gather(self, index: Tensor) -> "EvaluationSet":
        return EvaluationSet(*(getattr(self, f.name).index_select(0, index)
                               for f in fields(self)))


class Evaluation(NamedTuple):
    """The full-set losses of every stepped run after one step (all on the device)."""

    step: Tensor  # (R,) int64 the step they were measured at
    losses: Tensor  # (R, 2) train-set and test-set loss
    recorded: Tensor  # (R,) 1.0 where the run records this point (its step is due, it is alive)


@torch.no_grad()
def measure_losses(network: Network, tasks: TaskMix, rows: DeviceRows, data: EvaluationSet,
                   count_correct: bool = False) -> tuple[Tensor, Tensor | None]:
    """Full train-set and test-set loss (R, 2), and if asked how many points of each set have
    their class predicted right (R, 2) (counts, exact: a mean of float weights can exceed 1)."""
    out = network.forward(rows.parameters, data.x, rows.statistics)  # (R, N, outputs)
    per_example = tasks.loss(out, data.target)  # (R, N)
    losses = torch.bmm(per_example.unsqueeze(1), data.split_weight).squeeze(1)  # (R, 2)
    if not count_correct:
        return losses, None
    correct = tasks.correct(out, data.target)  # (R, N) 1.0 where right, 0 for regression
    members = (data.split_weight > 0).float()  # (R, N, 2) which set each point is in
    return losses, torch.bmm(correct.unsqueeze(1), members).squeeze(1)


def finite(values: Tensor) -> Tensor:
    """1.0 where values are finite, else 0.0, as floats: x - x is 0 unless x is inf or NaN."""
    return (values - values).eq_(0.0)


class Plan(NamedTuple):
    """The per-run counters and rates the loop needs, on the device (one transfer per call)."""

    step: Tensor  # (R,) int64 each
    schedule_step: Tensor
    schedule_epoch: Tensor
    steps_per_epoch: Tensor
    batch_size: Tensor
    n_train: Tensor
    optimizer_origin: Tensor
    learning_rate64: Tensor  # (R,) float64, for Adam's bias correction
    learning_rate: Tensor  # (R, 1) float32 each
    momentum: Tensor
    weight_decay: Tensor
    l1: Tensor
    gradient_scale: Tensor

    @classmethod
    def of(cls, host: HostRows, device: torch.device) -> "Plan":
        counters = [getattr(host, name).astype(np.int64) for name in cls._fields[:7]]
        rates = np.stack([host.learning_rate, host.momentum, host.weight_decay, host.l1,
                          host.gradient_scale]).astype(np.float64)
        counters = to_device(np.stack(counters), device).unbind(0)
        rates = to_device(rates, device)
        return cls(*counters, rates[0], *rates.float()[:, :, None])


@torch.no_grad()
def advance(network: Network, optimizer: str, eval_every: int, rows: DeviceRows,
            data: EvaluationSet, host: HostRows, tasks: TaskMix, n: int) -> Iterator[Evaluation]:
    """Take n steps for the runs of `rows` (updated in place), yielding an Evaluation after each
    step at which some run's step count becomes a multiple of eval_every.

    Host values are only read before each block of steps; inside it nothing touches the host.
    """
    device, runs = rows.parameters.device, rows.parameters.shape[0]
    model = network.model
    plan = Plan.of(host, device)
    linear = network.layout.linear(rows.parameters)
    alive, counter = rows.alive, rows.step
    moving = alive.view(runs, 1)  # 1.0 for live runs, 0.0 for diverged ones
    decay = plan.weight_decay if host.weight_decay.any() else None
    l1 = plan.l1 if host.l1.any() else None
    # The hand-written backward starts from dL/df = (mean - target) * scale; autograd needs none.
    scale = plan.gradient_scale if network.fast else torch.ones_like(plan.gradient_scale)
    full_batch = bool((host.batch_size >= host.n_train).all())
    if full_batch:  # the same batch every step: the whole (padded) training set
        x_full, target_full = rows.x_train, rows.target_train
        weight_full = (data.train_weight * scale).unsqueeze(-1)  # (R, N, 1)
        valid_full = (data.train_weight > 0).float().unsqueeze(-1)
    width = int(host.batch_size.max())
    size_n = rows.x_train.shape[1]
    per_step = runs * width * (rows.x_train.shape[2] + rows.target_train.shape[2] + 2)
    block = max(1, min(BLOCK_STEPS, BLOCK_ELEMENTS // per_step))
    run_index = torch.arange(runs, device=device)[None, :, None]
    done = 0
    while done < n:
        size = min(block, n - done)
        offsets = torch.arange(done, done + size, device=device)[:, None]
        steps = plan.step[None, :] + offsets  # (T, R) the step count before each update
        host_steps = host.step[None, :] + done + np.arange(size)[:, None]
        if not full_batch:
            into = steps - plan.schedule_step
            epochs = plan.schedule_epoch + into // plan.steps_per_epoch
            positions = into % plan.steps_per_epoch
            host_epochs = (host_steps - host.schedule_step) // host.steps_per_epoch
            distinct = int((host_epochs[-1] - host_epochs[0]).max()) + 1
            picked, valid = block_indices(rows.seed_key, plan.n_train, plan.batch_size, epochs,
                                          positions, distinct, size_n, width)  # (T, R, W)
            xs = rows.x_train[run_index, picked].unbind(0)  # T x (R, W, inputs)
            targets = rows.target_train[run_index, picked].unbind(0)
            valid = valid.float()
            weights = (valid / valid.sum(-1, keepdim=True) * scale).unsqueeze(-1).unbind(0)
            valids = valid.unsqueeze(-1).unbind(0)
        if optimizer == "adam":
            rate, correction = adam_bias_correction(steps + 1 - plan.optimizer_origin,
                                             plan.learning_rate64)
            rates = rate.float().unsqueeze(-1).unbind(0)  # T x (R, 1)
            corrections = correction.float().unsqueeze(-1).unbind(0)
        step_tensors = steps.unbind(0)
        due = ((host_steps + 1) % eval_every == 0).any(axis=1).tolist()
        for t in range(size):
            x, target, weight = ((x_full, target_full, weight_full) if full_batch
                                 else (xs[t], targets[t], weights[t]))
            if network.fast:
                grad = network.gradient(linear, tasks, x, target, weight)
            else:
                keep = None
                if model.dropout > 0:  # one mask (R, B, D_l) per hidden layer
                    keep = [dropout_keep(rows.seed_key, step_tensors[t], layer,
                                         (runs, x.shape[1], width), model.dropout)
                            for layer, width in enumerate(model.hidden_widths())]
                grad, statistics = network.autograd_gradient(
                    rows.parameters, rows.statistics, tasks, x, target, weight,
                    valid_full if full_batch else valids[t], keep)
            moving.mul_(finite(grad.sum(1, keepdim=True)))  # a non-finite gradient: diverged
            # Float ops only (boolean kernels are slow on the CPU): a diverged run gets a zero
            # gradient and a zero rate, so its weights stay exactly as they were.
            grad = grad.nan_to_num_(0.0, 0.0, 0.0).mul_(moving)
            if not network.fast:
                rows.statistics.copy_(torch.where(moving > 0, statistics, rows.statistics))
            if optimizer == "adam":
                update(optimizer, rows.parameters, grad, rows.optimizer_state, rates[t] * moving,
                       None, decay, corrections[t], l1)
            else:
                update(optimizer, rows.parameters, grad, rows.optimizer_state,
                       plan.learning_rate * moving, plan.momentum, decay, None, l1)
            counter.add_(alive)
            if due[t]:
                after = step_tensors[t] + 1
                losses, _ = measure_losses(network, tasks, rows, data)  # (R, 2)
                alive.mul_(finite(losses[:, 0]))  # a non-finite training loss: diverged
                yield Evaluation(after, losses, (after % eval_every == 0).float() * alive)
        done += size
