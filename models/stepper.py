"""The step loop of RunGroup: batches, gradient, divergence mask, optimiser update, history.

Everything per step is a fixed handful of batched torch ops, independent of the number of runs;
host work (batch schedule, Adam's bias corrections) is done once per block of steps.
"""

import numpy as np
import torch

from models.batched import Network, Problem
from models.optim import STATE_NAMES, adam_schedule, update
from models.schedule import block_indices, dropout_keep, seed_key

BLOCK_STEPS = 32  # steps whose batches are gathered at once
BLOCK_ELEMENTS = 2_000_000  # bound on the floats gathered per block


@torch.no_grad()
def evaluate(network: Network, problem: Problem, dev: dict, data: dict,
             accuracy: bool = False) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor]:
    """Full train and test loss (R, 2), test accuracy (R,) if asked, and the outputs (R, N, out)."""
    out = network.forward(dev["params"], data["x_eval"], dev["stats"])
    per_example = problem.loss(out, data["t_eval"])  # (R, N)
    losses = torch.bmm(per_example.unsqueeze(1), data["w_eval"]).squeeze(1)  # (R, 2)
    correct = None
    if accuracy:
        correct = (problem.correct(out, data["t_eval"]) * data["w_eval"][:, :, 1]).sum(1)
    return losses, correct, out


def finite(values: torch.Tensor) -> torch.Tensor:
    """1.0 where values are finite, else 0.0, as floats: x - x is 0 unless x is inf or NaN."""
    return (values - values).eq_(0.0)


def _tensor(values: np.ndarray, device: torch.device) -> torch.Tensor:
    return torch.as_tensor(np.ascontiguousarray(values), dtype=torch.float32, device=device)


@torch.no_grad()
def advance(group, dev: dict, data: dict, host: dict, problem: Problem, rows: np.ndarray,
            n: int) -> None:
    """Run n steps for the runs of `dev` (rows of the group `rows`), updating dev in place."""
    network, device, optimizer = group.network, group.device, group.optimizer
    runs = len(rows)
    linear = network.layout.linear(dev["params"])
    state = [dev[name] for name in STATE_NAMES[optimizer]]
    alive, counter = dev["alive"], dev["step"]
    moving = alive.view(runs, 1)  # 1.0 for live runs, 0.0 for diverged ones
    learning_rate = _tensor(host["lr"], device).view(runs, 1)
    momentum = _tensor(host["momentum"], device).view(runs, 1)
    decay = _tensor(host["decay"], device).view(runs, 1) if host["decay"].any() else None
    # The hand-written backward starts from dL/df = (mean - target) * scale; autograd needs none.
    scale = _tensor(host["scale"] if network.fast else np.ones(runs), device).view(runs, 1)
    dropout = group.model.dropout
    keys = seed_key(dev["seed"]) if dropout > 0 else None
    full_batch = bool((host["batch"] >= host["n_train"]).all())
    if full_batch:  # the same batch every step: the whole (padded) training set
        x_full, t_full = dev["x_train"], dev["t_train"]
        w_full = (data["w_train"] * scale).unsqueeze(-1)  # (R, N, 1)
        valid_full = (data["w_train"] > 0).float().unsqueeze(-1)
    width = int(host["batch"].max())
    per_step = runs * width * (dev["x_train"].shape[2] + dev["t_train"].shape[2] + 2)
    block = max(1, min(BLOCK_STEPS, BLOCK_ELEMENTS // per_step))
    run_index = torch.arange(runs, device=device)[None, :, None]
    done = 0
    while done < n:
        size = min(block, n - done)
        steps = host["steps"][None, :] + done + np.arange(size)[:, None]  # (T, R) before update
        if not full_batch:
            into = steps - host["sched_step"][None, :]
            epochs = host["sched_epoch"][None, :] + into // host["per_epoch"][None, :]
            positions = into % host["per_epoch"][None, :]
            index, valid = block_indices(dev["seed"], host["n_train"], host["batch"], epochs,
                                         positions, width, device)  # (T, R, W)
            xs = dev["x_train"][run_index, index].unbind(0)  # T x (R, W, in)
            ts = dev["t_train"][run_index, index].unbind(0)
            valid = valid.float()
            weights = valid / valid.sum(-1, keepdim=True) * scale  # each batch's mean
            ws = weights.unsqueeze(-1).unbind(0)
            valids = valid.unsqueeze(-1).unbind(0)
        if optimizer == "adam":
            rate, correction = adam_schedule(steps + 1 - host["opt_origin"][None, :],
                                             host["lr"][None, :])
            rates = _tensor(rate, device).unsqueeze(-1).unbind(0)  # T x (R, 1)
            corrections = _tensor(correction, device).unsqueeze(-1).unbind(0)
        if dropout > 0:
            step_tensors = torch.as_tensor(steps, device=device).unbind(0)
        recording = (steps + 1) % group.eval_every == 0  # (T, R) history after this step
        record_any = recording.any(axis=1).tolist()
        for t in range(size):
            x, target, weight = ((x_full, t_full, w_full) if full_batch
                                 else (xs[t], ts[t], ws[t]))
            if network.fast:
                grad = network.gradient(linear, problem, x, target, weight)
            else:
                keep = None
                if dropout > 0:
                    keep = [dropout_keep(keys, step_tensors[t], layer,
                                         (runs, x.shape[1], group.model.hidden_units), dropout)
                            for layer in range(group.model.depth)]
                grad, stats = network.autograd_gradient(
                    dev["params"], dev["stats"], problem, x, target, weight,
                    valid_full if full_batch else valids[t], keep)
            moving.mul_(finite(grad.sum(1, keepdim=True)))  # a non-finite gradient: diverged
            # Float ops only (boolean kernels are slow on the CPU): a diverged run gets a zero
            # gradient and a zero rate, so its weights stay exactly as they were.
            grad = grad.nan_to_num_(0.0, 0.0, 0.0).mul_(moving)
            if not network.fast:
                dev["stats"].copy_(torch.where(moving > 0, stats, dev["stats"]))
            if optimizer == "adam":
                update(optimizer, dev["params"], grad, state, rates[t] * moving, None,
                       decay, corrections[t])
            else:
                update(optimizer, dev["params"], grad, state, learning_rate * moving,
                       momentum, decay, None)
            counter.add_(alive)
            if record_any[t]:
                local = np.flatnonzero(recording[t])
                group.write_history(dev, data, problem, rows, local, steps[t, local] + 1)
        done += size
