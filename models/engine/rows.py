"""Per-run storage of RunGroup: every run's tensors on the device (DeviceRows) and its counters and
hyperparameters on the host (HostRows), one row per run along axis 0, one named field per concept.

Building, appending, gathering, scattering and padding rows lives here so the group reads as
training code. Nothing here trains or evaluates.
"""

from dataclasses import dataclass, fields, replace
from typing import ClassVar

import numpy as np
import torch
import torch.nn.functional as F

from models.configs import OPTIMIZER_STATE, RunConfig, TrainingConfig
from models.datasets import Dataset, DatasetConfig, make_dataset
from models.engine.batched import Layout
from models.engine.checkpoint import RunState
from models.engine.records import History
from models.engine.sampling import seed_key, steps_per_epoch
from models.features import add_features
from models.losses import gradient_scale, targets_as_float
from models.network import MLP, ModelConfig

Tensor = torch.Tensor


@dataclass
class DeviceRows:
    """Every run's tensors; row r of each field belongs to run r. Data is zero-padded along axis 1
    to the longest run (padding has weight 0 in every loss)."""

    parameters: Tensor  # (R, P) float32, each row laid out like MLP.parameters()
    statistics: Tensor  # (R, S) batch norm running means and variances (S = 0 without it)
    optimizer_state: tuple[Tensor, ...]  # (R, P) each, in the order of OPTIMIZER_STATE[optimizer]
    alive: Tensor  # (R,) 1.0 while training, 0.0 once diverged (a float: no boolean kernels)
    step: Tensor  # (R,) float64 optimiser updates done, counted on the device
    seed_key: Tensor  # (R,) int64 the training seed folded to 32 bits (sampling.seed_key)
    x_train: Tensor  # (R, N_train, inputs + features): the feature map already applied
    target_train: Tensor  # (R, N_train, outputs) float targets (one-hot for multiclass)
    x_test: Tensor  # (R, N_test, inputs + features)
    target_test: Tensor  # (R, N_test, outputs)

    DATA: ClassVar[tuple[str, ...]] = ("x_train", "target_train", "x_test", "target_test")
    TRAINED: ClassVar[tuple[str, ...]] = ("parameters", "statistics", "optimizer_state", "alive",
                                          "step")  # what a step changes

    def gather(self, index: Tensor) -> "DeviceRows":
        """The rows `index` (R',) as new tensors, in that order (keeping runs = gathering them)."""
        return DeviceRows(**{name: _map(value, lambda t: t.index_select(0, index))
                             for name, value in self._items()})

    def scatter(self, index: Tensor, rows: "DeviceRows") -> None:
        """Write the training state (TRAINED fields) of `rows` into rows `index` of self."""
        for name in self.TRAINED:
            ours, theirs = getattr(self, name), getattr(rows, name)
            for target, source in zip(_tensors(ours), _tensors(theirs), strict=True):
                target[index] = source

    def append(self, rows: "DeviceRows") -> "DeviceRows":
        """self with `rows` added at the end, data padded to the longer of the two."""
        joined = {}
        for name, ours in self._items():
            theirs = getattr(rows, name)
            if name in self.DATA:
                ours, theirs = pad(ours, theirs)
            joined[name] = (tuple(torch.cat(pair) for pair in zip(ours, theirs, strict=True))
                            if isinstance(ours, tuple) else torch.cat([ours, theirs]))
        return DeviceRows(**joined)

    def with_data(self, row: int, data: dict[str, Tensor]) -> "DeviceRows":
        """self with row `row`'s data replaced by `data` (one-row tensors named like DATA)."""
        changed = {}
        for name in self.DATA:
            ours, theirs = pad(getattr(self, name), data[name])
            ours = ours.clone()
            ours[row] = theirs[0]
            changed[name] = ours
        return replace(self, **changed)

    def _items(self):
        return ((f.name, getattr(self, f.name)) for f in fields(self))


def _tensors(value: Tensor | tuple[Tensor, ...]) -> tuple[Tensor, ...]:
    return value if isinstance(value, tuple) else (value,)


def _map(value, function):
    return tuple(function(t) for t in value) if isinstance(value, tuple) else function(value)


def pad(first: Tensor, second: Tensor) -> tuple[Tensor, Tensor]:
    """Both (R, N, ...) tensors zero-padded along axis 1 to the longer N."""
    length = max(first.shape[1], second.shape[1])

    def grow(tensor: Tensor) -> Tensor:
        extra = length - tensor.shape[1]
        return tensor if extra == 0 else F.pad(tensor, [0, 0] * (tensor.dim() - 2) + [0, extra])

    return grow(first), grow(second)


@dataclass
class HostRows:
    """Every run's counters and hyperparameters as numpy columns (R,): read without a device sync.

    Dtypes are explicit: a value of another type must never retype a whole group's column.
    """

    step: np.ndarray  # int64 optimiser updates done (the host's copy of DeviceRows.step)
    optimizer_origin: np.ndarray  # int64 step at which the optimiser state started (Adam's t)
    schedule_step: np.ndarray  # int64 step at which the current batch order started
    schedule_epoch: np.ndarray  # int64 epoch number at schedule_step
    batch_size: np.ndarray  # int64 training points per batch (<= n_train)
    steps_per_epoch: np.ndarray  # int64 batches in one pass over the training set
    n_train: np.ndarray  # int64 training points
    n_test: np.ndarray  # int64 test points (0: no test set)
    learning_rate: np.ndarray  # float64
    momentum: np.ndarray  # float64
    weight_decay: np.ndarray  # float64
    l1: np.ndarray  # float64
    gradient_scale: np.ndarray  # float64 dL/df = (predicted mean - target) * gradient_scale
    diverged: np.ndarray  # bool, as last read from the device

    @classmethod
    def one(cls, **values) -> "HostRows":
        """One row from plain values, each column given its dtype."""
        return cls(**{f.name: np.array([values[f.name]], dtype=_DTYPES.get(f.name, np.int64))
                      for f in fields(cls)})

    def gather(self, positions: np.ndarray) -> "HostRows":
        return HostRows(**{f.name: getattr(self, f.name)[positions] for f in fields(self)})

    def scatter(self, row: int, values: "HostRows") -> None:
        """Overwrite row `row` with the one-row `values`."""
        for f in fields(self):
            getattr(self, f.name)[row] = getattr(values, f.name)[0]

    def append(self, rows: "HostRows") -> "HostRows":
        return HostRows(**{f.name: np.concatenate([getattr(self, f.name), getattr(rows, f.name)])
                           for f in fields(self)})

    def epoch(self, row: int, step: float) -> float:
        """Passes over the training set at `step`, fractional inside an epoch."""
        into = step - self.schedule_step[row]
        return float(self.schedule_epoch[row] + into / self.steps_per_epoch[row])

    def start_epoch(self, row: int) -> None:
        """Begin a fresh epoch of the batch order now (before a new batch size or new data): the
        epoch under way counts as done, and the batches come from the next epoch number."""
        done = int(self.step[row] - self.schedule_step[row])
        per_epoch = int(self.steps_per_epoch[row])
        self.schedule_epoch[row] += done // per_epoch + (done % per_epoch > 0)
        self.schedule_step[row] = self.step[row]

    def set_batches(self, row: int, batch_size: int | None, n_train: int) -> None:
        batch = batch_of(batch_size, n_train)
        self.batch_size[row], self.steps_per_epoch[row] = batch, steps_per_epoch(n_train, batch)
        self.n_train[row] = n_train

    def set_data(self, row: int, dataset: Dataset, batch_size: int | None, outputs: int) -> None:
        """New data from now on: a fresh epoch of batches over its points."""
        self.start_epoch(row)
        self.set_batches(row, batch_size, len(dataset.x_train))
        self.n_test[row] = len(dataset.x_test)
        self.gradient_scale[row] = gradient_scale(dataset.info.task, outputs)

    def set_training(self, row: int, training: TrainingConfig) -> None:
        self.learning_rate[row], self.momentum[row] = training.learning_rate, training.momentum
        self.weight_decay[row], self.l1[row] = training.weight_decay, training.l1


_DTYPES = {"learning_rate": np.float64, "momentum": np.float64, "weight_decay": np.float64,
           "l1": np.float64, "gradient_scale": np.float64, "diverged": np.bool_}


def batch_of(batch_size: int | None, n_train: int) -> int:
    """The batch a run really uses: the whole training set for None, never more than it."""
    return n_train if batch_size is None else min(batch_size, n_train)


def initial_parameters(config: RunConfig) -> Tensor:
    """The run's starting weights: the reference MLP's, drawn from a generator seeded by the run."""
    generator = torch.Generator().manual_seed(int(config.training.seed))
    module = MLP(config.model, generator)
    return torch.cat([p.detach().reshape(-1) for p in module.parameters()])


def fitting_dataset(config: DatasetConfig, model: ModelConfig) -> Dataset:
    """make_dataset(config), or ValueError when its inputs and outputs are not the model's."""
    dataset = make_dataset(config)
    info = dataset.info
    if (info.inputs, info.outputs) != (model.inputs, model.outputs):
        raise ValueError(f"dataset {info.name!r} has {info.inputs} input(s) and {info.outputs} "
                         f"output(s) but the model has {model.inputs} and {model.outputs}")
    return dataset


def data_rows(dataset: Dataset, model: ModelConfig, device: torch.device) -> dict[str, Tensor]:
    """A run's data as (1, N, ...) float tensors on the device, named like DeviceRows.DATA; x with
    the model's features added (N, inputs) -> (N, inputs + F), as MLP.forward adds them."""
    task = dataset.info.task
    rows = {"x_train": add_features(dataset.x_train.float(), model.features),
            "target_train": targets_as_float(task, dataset.y_train, model.outputs),
            "x_test": add_features(dataset.x_test.float(), model.features),
            "target_test": targets_as_float(task, dataset.y_test, model.outputs)}
    return {name: value.unsqueeze(0).to(device) for name, value in rows.items()}


def new_rows(config: RunConfig, dataset: Dataset, layout: Layout, optimizer: str,
             device: torch.device, state: RunState | None = None) -> tuple[DeviceRows, HostRows]:
    """One run's rows: fresh from the seeds when `state` is None, else continuing from it.

    A state saved under another optimiser brings no optimiser state: a fresh one starts at its step.
    """
    names = OPTIMIZER_STATE[optimizer]
    if state is None:
        parameters, statistics = initial_parameters(config), layout.initial_stats(1)[0]
        moments = tuple(torch.zeros(layout.size) for _ in names)
        step = origin = schedule_step = schedule_epoch = 0
        diverged = False
    else:
        parameters, statistics = state.parameters.float(), state.statistics.float()
        if parameters.shape != (layout.size,) or statistics.shape != (layout.stats_size,):
            raise ValueError("checkpoint weights do not fit this model configuration")
        saved = all(name in state.optimizer_state for name in names)
        moments = tuple(state.optimizer_state[name].float() if saved else torch.zeros(layout.size)
                        for name in names)
        step, schedule_step, schedule_epoch = state.step, state.schedule_step, state.schedule_epoch
        origin, diverged = (state.optimizer_origin if saved else state.step), state.diverged
    training, task = config.training, dataset.info.task
    device_rows = DeviceRows(
        parameters=parameters[None].to(device), statistics=statistics[None].to(device),
        optimizer_state=tuple(m[None].to(device) for m in moments),
        alive=torch.tensor([0.0 if diverged else 1.0], device=device),
        step=torch.tensor([step], dtype=torch.float64, device=device),
        seed_key=seed_key(torch.tensor([int(training.seed)], dtype=torch.int64)).to(device),
        **data_rows(dataset, config.model, device))
    n_train = len(dataset.x_train)
    batch = batch_of(training.batch_size, n_train)
    host_rows = HostRows.one(
        step=step, optimizer_origin=origin, schedule_step=schedule_step,
        schedule_epoch=schedule_epoch, batch_size=batch,
        steps_per_epoch=steps_per_epoch(n_train, batch), n_train=n_train,
        n_test=len(dataset.x_test), learning_rate=training.learning_rate,
        momentum=training.momentum, weight_decay=training.weight_decay, l1=training.l1,
        gradient_scale=gradient_scale(task, config.model.outputs), diverged=diverged)
    return device_rows, host_rows


def run_state(config: RunConfig, device: DeviceRows, host: HostRows, row: int, optimizer: str,
              history: History) -> RunState:
    """Row `row` as a RunState (CPU copies): everything needed to continue the run elsewhere."""

    def copy(tensor: Tensor) -> Tensor:
        return tensor[row].detach().cpu().clone()

    state = dict(zip(OPTIMIZER_STATE[optimizer], map(copy, device.optimizer_state), strict=True))
    return RunState(
        config=config, parameters=copy(device.parameters), optimizer_state=state,
        statistics=copy(device.statistics), step=int(device.step[row]),
        optimizer_origin=int(host.optimizer_origin[row]),
        schedule_step=int(host.schedule_step[row]), schedule_epoch=int(host.schedule_epoch[row]),
        diverged=not bool(device.alive[row] > 0.5), history=history)
