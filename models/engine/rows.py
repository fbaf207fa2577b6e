"""Per-run storage for RunGroup: device tensors and host arrays whose first axis is the run.

Appending, removing, gathering and padding rows lives here so the engine reads as training code.
Nothing here trains or evaluates.
"""

import numpy as np
import torch
import torch.nn.functional as F

from models.configs import OPTIMIZER_STATE, RunConfig, TrainingConfig
from models.datasets import Dataset
from models.engine.batched import Layout
from models.engine.checkpoint import RunState
from models.engine.sampling import seed_key, steps_per_epoch
from models.losses import gradient_scale, targets_as_float
from models.network import MLP

Tensor = torch.Tensor
DATA_KEYS = ("x_train", "t_train", "x_test", "t_test")  # padded with zeros along axis 1
HOST_DTYPES = {
    "steps": np.int64, "opt_origin": np.int64, "sched_step": np.int64, "sched_epoch": np.int64,
    "batch": np.int64, "per_epoch": np.int64, "n_train": np.int64, "n_test": np.int64,
    "lr": np.float64, "momentum": np.float64, "decay": np.float64, "scale": np.float64,
    "hist_count": np.int64, "diverged": np.bool_,
}


def initial_parameters(config: RunConfig) -> Tensor:
    """The run's starting weights: the reference MLP's, drawn from a generator seeded by the run."""
    generator = torch.Generator().manual_seed(int(config.training.seed))
    module = MLP(config.model, generator)
    return torch.cat([p.detach().reshape(-1) for p in module.parameters()])


def new_row(config: RunConfig, dataset: Dataset, layout: Layout, optimizer: str,
            device: torch.device, state: RunState | None = None) -> tuple[dict, dict]:
    """Device tensors and host values (each with a leading axis of 1) for one run.

    Fresh from the seeds when `state` is None; otherwise continuing from the saved state.
    """
    info, model, training = dataset.info, config.model, config.training
    if state is None:
        params, stats = initial_parameters(config), layout.initial_stats(1)[0]
        opt = {name: torch.zeros(layout.size) for name in OPTIMIZER_STATE[optimizer]}
        step, opt_origin, sched_step, sched_epoch, diverged = 0, 0, 0, 0, False
    else:
        params, stats = state.parameters.float(), state.statistics.float()
        if params.shape != (layout.size,) or stats.shape != (layout.stats_size,):
            raise ValueError("checkpoint weights do not fit this model configuration")
        names = OPTIMIZER_STATE[optimizer]
        saved = all(name in state.optimizer_state for name in names)
        opt = {name: (state.optimizer_state[name].float() if saved else torch.zeros(layout.size))
               for name in names}
        step, sched_step, sched_epoch = state.step, state.schedule_step, state.schedule_epoch
        opt_origin = state.optimizer_origin if saved else state.step
        diverged = state.diverged
    n_train = len(dataset.x_train)
    batch = n_train if training.batch_size is None else min(training.batch_size, n_train)
    dev = {
        "params": params, "stats": stats, **opt,
        # alive: 1.0 while training, 0.0 once diverged (a float mask: no boolean kernels per step)
        "alive": torch.tensor(0.0 if diverged else 1.0),
        "step": torch.tensor(step, dtype=torch.float64),
        "seed_key": seed_key(torch.tensor(int(training.seed), dtype=torch.int64)),
        "x_train": dataset.x_train.float(),
        "t_train": targets_as_float(info.task, dataset.y_train, model.outputs),
        "x_test": dataset.x_test.float(),
        "t_test": targets_as_float(info.task, dataset.y_test, model.outputs),
    }
    dev = {key: value.unsqueeze(0).to(device) for key, value in dev.items()}
    host = {
        "steps": step, "opt_origin": opt_origin, "sched_step": sched_step,
        "sched_epoch": sched_epoch, "batch": batch,
        "per_epoch": steps_per_epoch(n_train, batch), "n_train": n_train,
        "n_test": len(dataset.x_test), "lr": training.learning_rate,
        "momentum": training.momentum, "decay": training.weight_decay,
        "scale": gradient_scale(info.task, model.outputs), "hist_count": 0,
        "diverged": diverged,
    }
    # explicit dtypes: a value of another type would silently retype the whole group's column
    host = {key: np.array([value], dtype=HOST_DTYPES[key]) for key, value in host.items()}
    return dev, host


def set_training(host: dict, row: int, training: TrainingConfig, new_batch: bool) -> None:
    """Apply live hyperparameters to one run's host row; a new batch size starts a fresh epoch."""
    host["lr"][row], host["momentum"][row] = training.learning_rate, training.momentum
    host["decay"][row] = training.weight_decay
    if new_batch:
        n_train = int(host["n_train"][row])
        batch = n_train if training.batch_size is None else min(training.batch_size, n_train)
        done = int(host["steps"][row] - host["sched_step"][row])
        epoch = int(host["sched_epoch"][row]) + done // int(host["per_epoch"][row])
        started = done % int(host["per_epoch"][row]) > 0
        host["sched_epoch"][row] = epoch + started
        host["sched_step"][row] = host["steps"][row]
        host["batch"][row], host["per_epoch"][row] = batch, steps_per_epoch(n_train, batch)


def _pad(tensor: Tensor, length: int) -> Tensor:
    extra = length - tensor.shape[1]
    if extra <= 0:
        return tensor
    pad = [0, 0] * (tensor.dim() - 2) + [0, extra]
    return F.pad(tensor, pad)


def append(dev: dict, host: dict, row_dev: dict, row_host: dict) -> None:
    """Add one run's row at the end (in place), padding data to the longest run."""
    if not dev:
        dev.update(row_dev)
        host.update(row_host)
        return
    for key, value in row_dev.items():
        if key in DATA_KEYS:
            length = max(dev[key].shape[1], value.shape[1])
            dev[key], value = _pad(dev[key], length), _pad(value, length)
        dev[key] = torch.cat([dev[key], value])
    for key, value in row_host.items():
        host[key] = np.concatenate([host[key], value])


def keep_rows(dev: dict, host: dict, keep: np.ndarray) -> None:
    """Keep only the runs at positions `keep` (in place)."""
    index = torch.as_tensor(keep, device=next(iter(dev.values())).device)
    for key in dev:
        dev[key] = dev[key].index_select(0, index)
    for key in host:
        host[key] = host[key][keep]


def derived(dev: dict, host: dict) -> dict:
    """Tensors computed from the data rows: loss weights and the train+test evaluation set."""
    device = dev["x_train"].device
    n_train = torch.as_tensor(host["n_train"], device=device, dtype=torch.float32)[:, None]
    n_test = torch.as_tensor(host["n_test"], device=device, dtype=torch.float32)[:, None]
    w_train = (torch.arange(dev["x_train"].shape[1], device=device) < n_train) / n_train
    w_test = (torch.arange(dev["x_test"].shape[1], device=device) < n_test) / n_test
    zeros_train, zeros_test = torch.zeros_like(w_train), torch.zeros_like(w_test)
    w_eval = torch.stack([torch.cat([w_train, zeros_test], 1),
                          torch.cat([zeros_train, w_test], 1)], dim=2)  # (R, Ntr + Nte, 2)
    return {
        "w_train": w_train,  # (R, Ntr): 1/n for real points, 0 for padding
        "x_eval": torch.cat([dev["x_train"], dev["x_test"]], 1),
        "t_eval": torch.cat([dev["t_train"], dev["t_test"]], 1),
        "w_eval": w_eval,
    }
