"""RunGroup: many runs of one architecture and optimiser trained as one batched computation.

Synchronous, no I/O, one owning thread. The step loop never reads a device value on the host:
divergence is a device-side mask, read only by statuses(), drain_history() and friends.
"""

import math
from dataclasses import replace

import numpy as np
import torch

from models.configs import RunConfig, TrainingConfig
from models.datasets import Dataset, DatasetConfig
from models.engine.batched import Network, TaskMix, to_device
from models.engine.checkpoint import RunState, check_state
from models.engine.checks import check_group, check_member, check_training
from models.engine.history import LossHistory
from models.engine.records import History, RunStatus
from models.engine.rows import DeviceRows, HostRows, data_rows, fitting_dataset, new_rows, run_state
from models.engine.stepper import Evaluation, EvaluationSet, advance, finite, measure_losses
from models.engine.weights import pack_layers
from models.network import MLP, ModelConfig


class RunGroup:
    """Runs sharing `model` and `optimizer`; each has its own data, seed and hyperparameters."""

    def __init__(self, model: ModelConfig, optimizer: str, device: str | torch.device = "cpu",
                 eval_every: int = 10) -> None:
        check_group(model, optimizer, eval_every)
        self.model, self.optimizer, self.eval_every = model, optimizer, eval_every
        self.device = torch.device(device)
        self.network = Network(model)
        self._ids: list[str] = []  # run ids in row order
        self._position: dict[str, int] = {}  # run id -> row
        self._configs: dict[str, RunConfig] = {}
        self._datasets: dict[str, Dataset] = {}
        self._history = LossHistory(eval_every, self.device)  # rows as ours, plus the archive
        # One row per run; None while the group is empty.
        self._device: DeviceRows | None = None
        self._host: HostRows | None = None
        self._evaluation: EvaluationSet | None = None  # derived from the data rows, cached
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
        self._record_start(len(self._ids) - 1)

    def import_run(self, run_id: str, state: RunState) -> None:
        """Continue a run exported from a group (or loaded from a checkpoint) right where it was.

        The state is checked first (checkpoint.check_state): a bad one raises ValueError and
        leaves the group untouched."""
        state = check_state(state, strict_optimizer=False)
        self._insert(run_id, state.config, state)

    def _insert(self, run_id: str, config: RunConfig, state: RunState | None) -> None:
        check_member(run_id, config, self.model, self.optimizer, run_id in self._configs)
        dataset = fitting_dataset(config.dataset, self.model)
        device, host = new_rows(config, dataset, self.network.layout, self.optimizer,
                                self.device, state)
        if self._device is None:
            self._device, self._host = device, host
        else:
            self._device, self._host = self._device.append(device), self._host.append(host)
        self._history.add(run_id, None if state is None else state.history)
        self._position[run_id] = len(self._ids)
        self._ids.append(run_id)
        self._configs[run_id], self._datasets[run_id] = config, dataset
        self._data_changed()

    def remove(self, run_id: str) -> None:
        row = self._row(run_id)
        kept = np.array([i for i in range(len(self._ids)) if i != row], dtype=np.int64)
        if len(kept) == 0:
            self._device = self._host = None
        else:
            index = torch.as_tensor(kept, device=self.device)
            self._device, self._host = self._device.gather(index), self._host.gather(kept)
        self._history.remove(run_id, kept)
        self._ids.pop(row)
        self._position = {other: position for position, other in enumerate(self._ids)}
        del self._configs[run_id], self._datasets[run_id]
        self._data_changed()

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
        rows = rows[~self._host.diverged[rows]] if len(rows) else rows
        if n == 0 or len(rows) == 0:
            return
        n = int(n)
        self._history.make_room(rows, self._host.step[rows], n, self._ids, self._host.n_test > 0)
        whole = len(rows) == len(self._ids)  # all runs: train the group's own tensors in place
        index = to_device(rows, self.device)
        device = self._device if whole else self._device.gather(index)
        data = self._evaluation_set() if whole else self._evaluation_set().gather(index)
        before = self._host.step[rows].copy()
        evaluations: list[Evaluation] = []
        try:
            for evaluation in advance(self.network, self.optimizer, self.eval_every, device, data,
                                      self._host.gather(rows), self._task_mix(rows), n):
                evaluations.append(evaluation)
        except BaseException:
            if whole:  # the weights moved in place for some of the n steps: count those steps
                self._host.step[rows] = self._device.step[index].long().cpu().numpy()
                self._history.record(rows, index, evaluations, before, self._host.step[rows])
            raise
        if not whole:
            self._device.scatter(index, device)
        self._host.step[rows] += n
        self._history.record(rows, index, evaluations, before, self._host.step[rows])

    def _record_start(self, row: int, record: bool = True) -> None:
        """Measure one run's losses where it starts from (after add, reset or new weights): a
        finite training loss makes it alive, a non-finite one diverged; `record`: keep the point
        in its history (not for new weights: the step may have a point already)."""
        index = torch.tensor([row], device=self.device)
        rows = self._device.gather(index)
        losses, _ = measure_losses(self.network, self._task_mix([row]), rows,
                                   self._evaluation_set().gather(index))
        alive = finite(losses[:, 0])  # a non-finite starting loss: diverged
        self._device.alive[index] = alive
        if record:
            self._history.record_start(row, rows.step.long(), losses, alive)
        else:
            self._host.diverged[row] = bool(alive.item() < 0.5)  # step() reads the host's copy

    def set_training(self, run_id: str, training: TrainingConfig) -> None:
        """Change learning rate, momentum, weight decay or batch size live (no reset); a new
        batch size starts a fresh epoch of the batch order."""
        row = self._row(run_id)
        config = self._configs[run_id]
        check_training(training, config.training, self.optimizer)
        self._host.set_training(row, training)
        if training.batch_size != config.training.batch_size:
            self._host.start_epoch(row)
            self._host.set_batches(row, training.batch_size, int(self._host.n_train[row]))
        self._configs[run_id] = replace(config, training=training)

    def set_data(self, run_id: str, dataset: DatasetConfig) -> None:
        """Train the run on new data from now on, keeping its weights, optimiser state, step and
        history; the next step starts a fresh epoch of the batch order over the new points.

        The dataset must fit the model's inputs and outputs (ValueError, group untouched)."""
        row = self._row(run_id)
        if not isinstance(dataset, DatasetConfig):
            raise ValueError("dataset must be a DatasetConfig")
        data = fitting_dataset(dataset, self.model)
        self._collect(np.array([row]))  # points measured on the old data go with it
        self._device = self._device.with_data(row, data_rows(data, self.model, self.device))
        config = replace(self._configs[run_id], dataset=dataset)
        self._host.set_data(row, data, config.training.batch_size, self.model.outputs)
        self._configs[run_id], self._datasets[run_id] = config, data
        self._data_changed()

    def set_weights(self, run_id: str, layers: list) -> None:
        """Give the run these weights: [(W (out, in), b (out,)), ...] float64 as layers() gives
        them. It keeps its step, history and batch order; its optimiser state starts afresh (Adam
        counts from t = 1 again); it is diverged afterwards only if their training loss is not
        finite. WeightsError (a ValueError naming the layer) leaves the group untouched."""
        row = self._row(run_id)
        parameters = pack_layers(self.network.layout, self.model, layers)  # checks everything
        index = torch.tensor([row], device=self.device)
        self._device.parameters[index] = parameters.to(self.device)[None]
        for state in self._device.optimizer_state:
            state[index] = 0.0
        self._host.optimizer_origin[row] = self._host.step[row]
        self._record_start(row, record=False)

    def reset(self, run_id: str) -> None:
        """Back to step 0: weights, optimiser state and counters from the seeds; history cleared."""
        row = self._row(run_id)
        device, host = new_rows(self._configs[run_id], self._datasets[run_id],
                                self.network.layout, self.optimizer, self.device)
        self._device.scatter(torch.tensor([row], device=self.device), device)
        self._host.scatter(row, host)
        self._history.restart(row, run_id)
        self._record_start(row)

    # ----- reading ----------------------------------------------------------------------------
    def statuses(self, run_ids: list[str] | None = None) -> dict[str, RunStatus]:
        """Step, epoch, full train/test loss and accuracy, divergence (one device transfer).
        Test loss and accuracy are None without a test set, accuracies None for regression."""
        rows = self._rows(run_ids)
        if len(rows) == 0:
            return {}
        index = torch.as_tensor(rows, device=self.device)
        device = self._device.gather(index)
        losses, correct = measure_losses(self.network, self._task_mix(rows), device,
                                         self._evaluation_set().gather(index), count_correct=True)
        packed = torch.cat([losses.double(), correct.double(), device.step[:, None],
                            device.alive[:, None].double()], 1)  # (R, 6)
        result = {}
        for row, (train, test, train_right, test_right, step, alive) in zip(
                rows, packed.cpu().numpy(), strict=True):
            run_id, diverged = self._ids[row], bool(alive < 0.5)
            self._host.diverged[row] = diverged
            n_train, n_test = self._host.n_train[row], self._host.n_test[row]
            classify = self._tasks[row] != "regression"
            train, test = float(train), float(test) if n_test else None
            if not (math.isfinite(train) and (test is None or math.isfinite(test))):
                self._collect(np.array([row]))  # report the last finite point instead
                train, test = self._history.last_point(run_id)
            result[run_id] = RunStatus(
                step=int(step), epoch=self._host.epoch(row, step), train_loss=train, test_loss=test,
                accuracy=float(test_right / n_test) if classify and n_test else None,
                train_accuracy=float(train_right / n_train) if classify else None,
                diverged=diverged)
        return result

    def drain_history(self, run_ids: list[str] | None = None) -> dict[str, History]:
        """History points recorded since the previous drain, per run."""
        rows = self._rows(run_ids)
        self._collect(rows)
        return {self._ids[row]: self._history.archive.drain(self._ids[row]) for row in rows}

    def history(self, run_id: str) -> History:
        """The run's whole loss history (thinned when very long)."""
        self._collect(np.array([self._row(run_id)]))
        return self._history.archive.points[run_id]

    def _collect(self, rows: np.ndarray) -> None:
        if len(rows):
            self._history.collect(rows, self._ids, self._host.n_test > 0)

    def layers(self, run_ids: list[str] | None = None) -> dict[str, list]:
        """Each run's affine layers as float64 numpy (W (out, in), b (out,)), batch norm folded."""
        rows = self._rows(run_ids)
        if len(rows) == 0:
            return {}
        index = torch.as_tensor(rows, device=self.device)
        layers = self.network.layout.affine_rows(self._device.parameters[index],
                                                 self._device.statistics[index])
        return dict(zip([self._ids[row] for row in rows], layers, strict=True))

    def module(self, run_id: str) -> MLP:
        """A copy of the run's current weights in the reference nn.Module (eval mode, on the CPU;
        a copy: on the CPU, vector_to_parameters would otherwise alias the group's live rows)."""
        row = self._row(run_id)
        return self.network.layout.to_module(self.model,
                                             self._device.parameters[row].detach().cpu().clone(),
                                             self._device.statistics[row].detach().cpu().clone())

    def export_run(self, run_id: str) -> RunState:
        """Everything needed to continue this run elsewhere (another group, a file)."""
        row = self._row(run_id)
        return run_state(self._configs[run_id], self._device, self._host, row, self.optimizer,
                         self.history(run_id))

    # ----- helpers ----------------------------------------------------------------------------
    def _row(self, run_id: str) -> int:
        row = self._position.get(run_id) if isinstance(run_id, str) else None
        if row is None:
            raise KeyError(f"no run {run_id!r} in this group")
        return row

    def _rows(self, run_ids: list[str] | None) -> np.ndarray:
        if run_ids is None:
            return np.arange(len(self._ids), dtype=np.int64)
        if isinstance(run_ids, str):
            run_ids = [run_ids]
        return np.unique(np.array([self._row(r) for r in run_ids], dtype=np.int64))

    def _task_mix(self, rows) -> TaskMix:
        return TaskMix([self._tasks[row] for row in rows], self.device)

    def _data_changed(self) -> None:
        self._tasks = [self._datasets[run_id].info.task for run_id in self._ids]
        self._evaluation = None

    def _evaluation_set(self) -> EvaluationSet:
        if self._evaluation is None:
            self._evaluation = EvaluationSet.of(self._device, self._host)
        return self._evaluation
