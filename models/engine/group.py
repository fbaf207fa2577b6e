"""RunGroup: many runs of one architecture and optimiser trained as one batched computation.

Synchronous, no I/O, one owning thread. The step loop never reads a device value on the host:
divergence is a device-side mask, read only by statuses(), drain_history() and friends.
"""

import math
from dataclasses import replace

import numpy as np
import torch

from models.configs import OPTIMIZER_STATE, OPTIMIZERS, RunConfig, TrainingConfig
from models.datasets import Dataset, make_dataset
from models.engine import history as buffers
from models.engine import rows as rowstore
from models.engine.batched import Network, Problem
from models.engine.checkpoint import RunState, check_state
from models.engine.records import History, RunStatus
from models.engine.stepper import advance, evaluate, finite
from models.network import MLP, ModelConfig


class RunGroup:
    """Runs sharing `model` and `optimizer`; each has its own data, seed and hyperparameters."""

    def __init__(self, model: ModelConfig, optimizer: str, device: str | torch.device = "cpu",
                 eval_every: int = 10) -> None:
        if not isinstance(model, ModelConfig):
            raise ValueError("model must be a ModelConfig")
        if optimizer not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {optimizer!r}; choose one of {list(OPTIMIZERS)}")
        if isinstance(eval_every, bool) or not isinstance(eval_every, int) or eval_every < 1:
            raise ValueError(f"eval_every must be a positive integer, got {eval_every!r}")
        self.model, self.optimizer, self.eval_every = model, optimizer, eval_every
        self.device = torch.device(device)
        self.network = Network(model)
        self._ids: list[str] = []
        self._configs: dict[str, RunConfig] = {}
        self._datasets: dict[str, Dataset] = {}
        self._archive = buffers.Archive()
        self._dev: dict[str, torch.Tensor] = {}
        self._host: dict[str, np.ndarray] = {}
        self._cache: dict | None = None
        self._tasks: list[str] = []

    # ----- membership -------------------------------------------------------------------------
    @property
    def run_ids(self) -> list[str]:
        return list(self._ids)

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, run_id: object) -> bool:
        return run_id in self._configs

    def add(self, run_id: str, config: RunConfig) -> None:
        """Build the run's data and weights from its seeds and start it at step 0."""
        self._insert(run_id, config, None)
        self._record(len(self._ids) - 1)

    def import_run(self, run_id: str, state: RunState) -> None:
        """Continue a run exported from a group (or loaded from a checkpoint) right where it was.

        The state is checked first (models/checkpoint.check_state): a bad one raises ValueError
        and leaves the group untouched."""
        state = check_state(state, strict_optimizer=False)
        self._insert(run_id, state.config, state)
        self._archive.start(run_id, state.history, seen=True)

    def _insert(self, run_id: str, config: RunConfig, state: RunState | None) -> None:
        if not isinstance(run_id, str) or not run_id:
            raise ValueError("run_id must be a non-empty string")
        if run_id in self._configs:
            raise ValueError(f"run {run_id!r} is already in this group")
        self._check_config(config)
        dataset = make_dataset(config.dataset)
        info = dataset.info
        if (info.inputs, info.outputs) != (self.model.inputs, self.model.outputs):
            raise ValueError(f"dataset {info.name!r} has {info.inputs} input(s) and "
                             f"{info.outputs} output(s) but the model has {self.model.inputs} "
                             f"and {self.model.outputs}")
        dev, host = rowstore.new_row(config, dataset, self.network.layout, self.optimizer,
                                     self.device, state)
        capacity = self._dev["hist"].shape[1] if self._dev else buffers.INITIAL_CAPACITY
        dev.update(buffers.new_buffers(1, capacity, self.device))
        rowstore.append(self._dev, self._host, dev, host)
        self._ids.append(run_id)
        self._configs[run_id], self._datasets[run_id] = config, dataset
        self._archive.start(run_id)
        self._tasks = [self._datasets[i].info.task for i in self._ids]
        self._cache = None

    def _check_config(self, config: RunConfig) -> None:
        if not isinstance(config, RunConfig):
            raise ValueError("config must be a RunConfig")
        if config.model != self.model:
            raise ValueError("config.model differs from this group's model")
        if config.training.optimizer != self.optimizer:
            raise ValueError(f"optimizer {config.training.optimizer!r} differs from this group's "
                             f"{self.optimizer!r}; move the run to another group")

    def remove(self, run_id: str) -> None:
        row = self._row(run_id)
        keep = np.array([i for i in range(len(self._ids)) if i != row], dtype=np.int64)
        rowstore.keep_rows(self._dev, self._host, keep)
        self._ids.pop(row)
        for table in (self._configs, self._datasets):
            del table[run_id]
        self._archive.forget(run_id)
        if not self._ids:
            self._dev, self._host = {}, {}
        self._tasks = [self._datasets[i].info.task for i in self._ids]
        self._cache = None

    def config(self, run_id: str) -> RunConfig:
        self._row(run_id)
        return self._configs[run_id]

    def dataset(self, run_id: str) -> Dataset:
        self._row(run_id)
        return self._datasets[run_id]

    # ----- training ---------------------------------------------------------------------------
    def step(self, n: int = 1, run_ids: list[str] | None = None) -> None:
        """Advance the named runs (default: all not known to have diverged) by n steps each."""
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
            raise ValueError(f"n must be a non-negative integer, got {n!r}")
        rows = self._rows(run_ids)
        rows = rows[~self._host["diverged"][rows]] if len(rows) else rows
        if n == 0 or len(rows) == 0:
            return
        n = int(n)
        self._make_history_room(rows, n)
        whole = len(rows) == len(self._ids)
        index = torch.as_tensor(rows, device=self.device)
        dev = self._dev if whole else {k: v[index] for k, v in self._dev.items()
                                       if not k.startswith("hist")}
        data = self._derived() if whole else {k: v[index] for k, v in self._derived().items()}
        host = {k: v[rows] for k, v in self._host.items()}
        problem = Problem([self._tasks[r] for r in rows], self.device)
        try:
            advance(self, dev, data, host, problem, index, n)
        except BaseException:
            if whole:  # the weights moved in place for some of the n steps: count those steps
                self._host["steps"][rows] = self._dev["step"][index].long().cpu().numpy()
                self._host["hist_count"][rows] += 1  # collect whatever was recorded
            raise
        if not whole:
            for key, value in dev.items():
                if key not in rowstore.DATA_KEYS and key != "seed_key":
                    self._dev[key][index] = value
        steps = self._host["steps"][rows]
        self._host["hist_count"][rows] += (steps + n) // self.eval_every - steps // self.eval_every
        self._host["steps"][rows] += n

    def _record(self, row: int) -> None:
        """Record one run's step-0 losses (after add or reset)."""
        index = torch.tensor([row], device=self.device)
        dev = {k: v[index] for k, v in self._dev.items() if not k.startswith("hist")}
        data = {k: v[index] for k, v in self._derived().items()}
        problem = Problem([self._tasks[row]], self.device)
        self.write_history(dev, data, problem, index, dev["step"].long(), dev["alive"])
        self._dev["alive"][index] = dev["alive"]
        self._host["hist_count"][row] += 1

    def write_history(self, dev: dict, data: dict, problem: Problem, index: torch.Tensor,
                      steps: torch.Tensor, mask: torch.Tensor) -> None:
        """Evaluate the runs of `dev` (group rows `index`) and record where mask is 1.

        Device-side only: no value is read back to the host.
        """
        losses, _, _ = evaluate(self.network, problem, dev, data)  # (R, 2)
        dev["alive"].mul_(finite(losses[:, 0]))  # a non-finite loss: diverged
        buffers.record(self._dev, index, losses, steps, mask * dev["alive"])

    def _make_history_room(self, rows: np.ndarray, n: int) -> None:
        steps, every = self._host["steps"][rows], self.eval_every
        records = (steps + n) // every - steps // every  # points each run will add
        needed = int((self._host["hist_count"][rows] + records).max()) + 2
        if needed > buffers.PENDING_LIMIT:
            self._sync_history(np.arange(len(self._ids)))
            needed = int(records.max()) + 2
        buffers.make_room(self._dev, self._host, needed)

    def set_training(self, run_id: str, training: TrainingConfig) -> None:
        """Change learning rate, momentum, weight decay or batch size live (no reset)."""
        row = self._row(run_id)
        config = self._configs[run_id]
        if not isinstance(training, TrainingConfig):
            raise ValueError("training must be a TrainingConfig")
        if training.optimizer != self.optimizer:
            raise ValueError(f"optimizer {training.optimizer!r} differs from this group's "
                             f"{self.optimizer!r}; move the run to another group")
        if training.seed != config.training.seed:
            raise ValueError("seed cannot change live; reset or rebuild the run")
        rowstore.set_training(self._host, row, training,
                              training.batch_size != config.training.batch_size)
        self._configs[run_id] = replace(config, training=training)

    def reset(self, run_id: str) -> None:
        """Back to step 0: weights, optimiser state and counters from the seeds; history cleared."""
        row = self._row(run_id)
        config, dataset = self._configs[run_id], self._datasets[run_id]
        dev, host = rowstore.new_row(config, dataset, self.network.layout, self.optimizer,
                                     self.device)
        for key, value in dev.items():
            if key not in rowstore.DATA_KEYS:
                self._dev[key][row] = value[0]
        for key, value in host.items():
            self._host[key][row] = value[0]
        self._dev["hist_pos"][row] = 0
        self._archive.start(run_id)
        self._record(row)

    # ----- reading ----------------------------------------------------------------------------
    def statuses(self, run_ids: list[str] | None = None) -> dict[str, RunStatus]:
        """Step, epoch, full train/test loss, test accuracy and divergence (one transfer)."""
        rows = self._rows(run_ids)
        if len(rows) == 0:
            return {}
        index = torch.as_tensor(rows, device=self.device)
        dev = {k: self._dev[k][index] for k in ("params", "stats", "alive", "step")}
        data = {k: v[index] for k, v in self._derived().items()}
        problem = Problem([self._tasks[r] for r in rows], self.device)
        losses, accuracy, _ = evaluate(self.network, problem, dev, data, accuracy=True)
        packed = torch.cat([losses, accuracy[:, None]], 1).double()
        packed = torch.cat([packed, dev["step"][:, None], dev["alive"][:, None].double()], 1)
        table = packed.cpu().numpy()
        result = {}
        for row, (train, test, acc, step, alive) in zip(rows, table, strict=True):
            ok = alive > 0.5
            run_id = self._ids[row]
            self._host["diverged"][row] = not ok
            host = self._host
            epoch = (host["sched_epoch"][row]
                     + (step - host["sched_step"][row]) / host["per_epoch"][row])
            train, test = float(train), float(test)
            if not (math.isfinite(train) and math.isfinite(test)):
                train, test = self._last_finite(run_id)
            classify = self._tasks[row] != "regression"
            result[run_id] = RunStatus(int(step), float(epoch), train, test,
                                       float(acc) if classify else None, not ok)
        return result

    def _last_finite(self, run_id: str) -> tuple[float | None, float | None]:
        archive = self.history(run_id)
        if len(archive) == 0:
            return None, None
        return float(archive.train_loss[-1]), float(archive.test_loss[-1])

    def drain_history(self, run_ids: list[str] | None = None) -> dict[str, History]:
        """History points recorded since the previous drain, per run."""
        rows = self._rows(run_ids)
        self._sync_history(rows)
        return {self._ids[row]: self._archive.drain(self._ids[row]) for row in rows}

    def history(self, run_id: str) -> History:
        """The run's whole loss history (thinned when very long)."""
        self._sync_history(np.array([self._row(run_id)]))
        return self._archive.points[run_id]

    def _sync_history(self, rows: np.ndarray) -> None:
        if len(rows) == 0 or not self._host["hist_count"][rows].any():
            return
        for row, new in zip(rows, buffers.collect(self._dev, rows), strict=True):
            self._archive.extend(self._ids[row], new)
        self._host["hist_count"][rows] = 0

    def layers(self, run_ids: list[str] | None = None) -> dict[str, list]:
        """Each run's affine layers as float64 numpy (W (out, in), b (out,)), batch norm folded."""
        rows = self._rows(run_ids)
        if len(rows) == 0:
            return {}
        index = torch.as_tensor(rows, device=self.device)
        table = torch.cat([self._dev["params"][index], self._dev["stats"][index]], 1)
        table = table.double().cpu().numpy()
        size = self.network.layout.size
        result = {}
        for position, row in enumerate(rows):
            flat, stats = table[position, :size], table[position, size:]
            result[self._ids[row]] = self.network.layout.affine(flat, stats)
        return result

    def module(self, run_id: str) -> MLP:
        """The run's current weights in the reference nn.Module (eval mode, on the CPU)."""
        row = self._row(run_id)
        module = MLP(self.model)
        params = self._dev["params"][row].detach().cpu()
        torch.nn.utils.vector_to_parameters(params, module.parameters())
        stats = self._dev["stats"][row].detach().cpu()
        for slot, norm in zip([s for s in self.network.layout.slots if s.stats is not None],
                              [m for m in module.layers if isinstance(m, torch.nn.BatchNorm1d)],
                              strict=True):
            norm.running_mean.copy_(stats[slot.stats:slot.stats + slot.fan_out])
            norm.running_var.copy_(stats[slot.stats + slot.fan_out:slot.stats + 2 * slot.fan_out])
        return module.eval()

    def export_run(self, run_id: str) -> RunState:
        """Everything needed to continue this run elsewhere (another group, a file)."""
        row = self._row(run_id)
        history = self.history(run_id)
        host = self._host
        step = int(self._dev["step"][row])
        return RunState(
            config=self._configs[run_id],
            parameters=self._dev["params"][row].detach().cpu().clone(),
            optimizer_state={name: self._dev[name][row].detach().cpu().clone()
                             for name in OPTIMIZER_STATE[self.optimizer]},
            statistics=self._dev["stats"][row].detach().cpu().clone(), step=step,
            optimizer_origin=int(host["opt_origin"][row]),
            schedule_step=int(host["sched_step"][row]),
            schedule_epoch=int(host["sched_epoch"][row]),
            diverged=not bool(self._dev["alive"][row] > 0.5), history=history)

    # ----- helpers ----------------------------------------------------------------------------
    def _row(self, run_id: str) -> int:
        if run_id not in self._configs:
            raise KeyError(f"no run {run_id!r} in this group")
        return self._ids.index(run_id)

    def _rows(self, run_ids: list[str] | None) -> np.ndarray:
        if run_ids is None:
            return np.arange(len(self._ids), dtype=np.int64)
        if isinstance(run_ids, str):
            run_ids = [run_ids]
        return np.unique(np.array([self._row(r) for r in run_ids], dtype=np.int64))

    def _derived(self) -> dict:
        if self._cache is None:
            self._cache = rowstore.derived(self._dev, self._host)
        return self._cache
