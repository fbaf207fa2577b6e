"""The step loop of RunGroup: batches, gradient, divergence mask, optimiser update, history.

Everything per step is a fixed handful of batched torch ops, independent of the number of runs;
host work (batch schedule, Adam's bias corrections) is done once per block of steps.
"""

import numpy as np
import torch

from models.configs import OPTIMIZER_STATE
from models.engine.batched import Network, Problem
from models.engine.optim import adam_schedule, update
from models.engine.sampling import block_indices, dropout_keep

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


def _plan(host: dict, device: torch.device) -> dict[str, torch.Tensor]:
    """The per-run counters the loop needs, sent to the device in one transfer per step() call."""
    names = ("steps", "sched_step", "sched_epoch", "per_epoch", "batch", "n_train", "opt_origin")
    table = torch.as_tensor(np.stack([host[name].astype(np.int64) for name in names]),
                            device=device)
    plan = dict(zip(names, table.unbind(0), strict=True))
    rates = np.stack([host[name].astype(np.float64) for name in ("lr", "momentum", "decay",
                                                                 "scale")])
    rates = torch.as_tensor(rates, device=device)
    plan["lr64"] = rates[0]
    plan["lr"], plan["momentum"], plan["decay"], plan["scale"] = rates.float()[:, :, None]
    return plan


@torch.no_grad()
def advance(group, dev: dict, data: dict, host: dict, problem: Problem, index: torch.Tensor,
            n: int) -> None:
    """Run n steps for the runs of `dev` (group rows `index`), updating dev in place.

    Host values are only read before the loop; inside it nothing is copied to or from the host.
    """
    network, device, optimizer = group.network, group.device, group.optimizer
    runs = len(index)
    plan = _plan(host, device)
    linear = network.layout.linear(dev["params"])
    state = [dev[name] for name in OPTIMIZER_STATE[optimizer]]
    alive, counter = dev["alive"], dev["step"]
    moving = alive.view(runs, 1)  # 1.0 for live runs, 0.0 for diverged ones
    decay = plan["decay"] if host["decay"].any() else None
    # The hand-written backward starts from dL/df = (mean - target) * scale; autograd needs none.
    scale = plan["scale"] if network.fast else torch.ones_like(plan["scale"])
    dropout = group.model.dropout
    full_batch = bool((host["batch"] >= host["n_train"]).all())
    if full_batch:  # the same batch every step: the whole (padded) training set
        x_full, t_full = dev["x_train"], dev["t_train"]
        w_full = (data["w_train"] * scale).unsqueeze(-1)  # (R, N, 1)
        valid_full = (data["w_train"] > 0).float().unsqueeze(-1)
    width = int(host["batch"].max())
    size_n = dev["x_train"].shape[1]
    per_step = runs * width * (dev["x_train"].shape[2] + dev["t_train"].shape[2] + 2)
    block = max(1, min(BLOCK_STEPS, BLOCK_ELEMENTS // per_step))
    run_index = torch.arange(runs, device=device)[None, :, None]
    every = group.eval_every
    done = 0
    while done < n:
        size = min(block, n - done)
        offsets = torch.arange(done, done + size, device=device)[:, None]
        steps = plan["steps"][None, :] + offsets  # (T, R) the step count before each update
        host_steps = host["steps"][None, :] + done + np.arange(size)[:, None]
        if not full_batch:
            into = steps - plan["sched_step"]
            epochs = plan["sched_epoch"] + into // plan["per_epoch"]
            positions = into % plan["per_epoch"]
            host_epochs = (host_steps - host["sched_step"]) // host["per_epoch"]
            distinct = int((host_epochs[-1] - host_epochs[0]).max()) + 1
            rows, valid = block_indices(dev["seed_key"], plan["n_train"], plan["batch"], epochs,
                                        positions, distinct, size_n, width)  # (T, R, W)
            xs = dev["x_train"][run_index, rows].unbind(0)  # T x (R, W, in)
            ts = dev["t_train"][run_index, rows].unbind(0)
            valid = valid.float()
            weights = valid / valid.sum(-1, keepdim=True) * scale  # each batch's mean
            ws = weights.unsqueeze(-1).unbind(0)
            valids = valid.unsqueeze(-1).unbind(0)
        if optimizer == "adam":
            rate, correction = adam_schedule(steps + 1 - plan["opt_origin"], plan["lr64"])
            rates = rate.float().unsqueeze(-1).unbind(0)  # T x (R, 1)
            corrections = correction.float().unsqueeze(-1).unbind(0)
        step_tensors = steps.unbind(0)
        records = ((host_steps + 1) % every == 0).any(axis=1).tolist()
        for t in range(size):
            x, target, weight = ((x_full, t_full, w_full) if full_batch
                                 else (xs[t], ts[t], ws[t]))
            if network.fast:
                grad = network.gradient(linear, problem, x, target, weight)
            else:
                keep = None
                if dropout > 0:
                    keep = [dropout_keep(dev["seed_key"], step_tensors[t], layer,
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
                update(optimizer, dev["params"], grad, state, plan["lr"] * moving,
                       plan["momentum"], decay, None)
            counter.add_(alive)
            if records[t]:
                after = step_tensors[t] + 1
                group.write_history(dev, data, problem, index, after,
                                    (after % every == 0).float())
        done += size
