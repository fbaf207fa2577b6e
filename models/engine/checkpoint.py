"""Save and load one run (config, weights, optimiser state, counters, history) without pickle.

Tensors go into a safetensors file, the config into its JSON metadata. The engine's randomness
is counter-based (sampling.py): seed + counters below are the whole random state. A file is
untrusted: `load_run` checks every tensor against the run's own layout before anyone uses it.
"""

import json
import struct
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors

from models.configs import OPTIMIZER_STATE, RunConfig
from models.engine.batched import Layout
from models.engine.records import HISTORY_LIMIT, History

FORMAT = "nn-playground-run"
VERSION = "1"
MAX_STEP = 10**12  # far beyond any real run; the device's float64 step counter is exact to 2**53
_COUNTERS = ("step", "optimizer_origin", "schedule_step", "schedule_epoch", "diverged")
_HISTORY = ("history.step", "history.train_loss", "history.test_loss")


@dataclass(eq=False)
class RunState:
    """Everything needed to resume a run exactly where it was."""

    config: RunConfig
    parameters: torch.Tensor  # (P,) float32, laid out like MLP.parameters()
    optimizer_state: dict[str, torch.Tensor]  # name -> (P,)
    statistics: torch.Tensor  # (S,) batch norm running mean/var per layer (empty without BN)
    step: int  # optimiser updates done
    optimizer_origin: int = 0  # step at which the optimiser state started (Adam's t counts from it)
    schedule_step: int = 0  # step at which the current batch schedule started
    schedule_epoch: int = 0  # epoch number at schedule_step
    diverged: bool = False
    history: History = field(default_factory=History.empty)


def save_run(state: RunState) -> bytes:
    """Serialise a run to safetensors bytes (no pickle)."""
    tensors = {
        "parameters": state.parameters.detach().cpu().float().contiguous(),
        "statistics": state.statistics.detach().cpu().float().contiguous(),
        "counters": torch.tensor([int(getattr(state, name)) for name in _COUNTERS],
                                 dtype=torch.int64),
        "history.step": torch.from_numpy(np.ascontiguousarray(state.history.step, np.int64)),
        "history.train_loss": torch.from_numpy(
            np.ascontiguousarray(state.history.train_loss, np.float64)),
        "history.test_loss": torch.from_numpy(
            np.ascontiguousarray(state.history.test_loss, np.float64)),
    }
    for name, value in state.optimizer_state.items():
        tensors[f"optimizer.{name}"] = value.detach().cpu().float().contiguous()
    metadata = {"format": FORMAT, "version": VERSION, "config": json.dumps(state.config.to_dict())}
    return save_tensors(tensors, metadata=metadata)


def _metadata(data: bytes) -> dict[str, str]:
    if len(data) < 8:
        raise ValueError("not a run checkpoint: too short")
    (length,) = struct.unpack("<Q", data[:8])
    try:
        header = json.loads(data[8:8 + length])
    except (ValueError, UnicodeDecodeError):
        raise ValueError("not a run checkpoint: unreadable header") from None
    metadata = header.get("__metadata__") if isinstance(header, dict) else None
    return metadata if isinstance(metadata, dict) else {}


def _config(metadata: dict[str, str]) -> RunConfig:
    try:
        return RunConfig.from_dict(json.loads(metadata["config"]))
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise ValueError(f"not a run checkpoint: its config is not valid ({error})") from None


def load_run(data: bytes) -> RunState:
    """Read bytes written by save_run; ValueError naming the problem if they are not a sound run
    checkpoint (every tensor is checked against the config's layout, see check_state)."""
    metadata = _metadata(data)
    if metadata.get("format") != FORMAT:
        raise ValueError("not a run checkpoint: missing nn-playground metadata")
    if metadata.get("version") != VERSION:
        raise ValueError(f"not a run checkpoint: unsupported version {metadata.get('version')!r}")
    config = _config(metadata)
    try:
        tensors = load_tensors(data)
    except Exception as error:  # noqa: BLE001 - safetensors raises its own error types
        raise ValueError(f"not a run checkpoint: unreadable tensors ({error})") from None
    optimizer_names = {f"optimizer.{name}" for name in OPTIMIZER_STATE[config.training.optimizer]}
    expected = {"parameters", "statistics", "counters", *_HISTORY, *optimizer_names}
    if set(tensors) != expected:
        missing, extra = sorted(expected - set(tensors)), sorted(set(tensors) - expected)
        raise ValueError("not a run checkpoint: its tensors do not match its config"
                         + (f"; missing {', '.join(missing)}" if missing else "")
                         + (f"; unexpected {', '.join(extra)}" if extra else ""))
    counters = tensors["counters"]
    _expect(counters, "counters", torch.int64, (len(_COUNTERS),))
    for name in _HISTORY:
        _expect(tensors[name], name, torch.int64 if name == "history.step" else torch.float64,
                None)
    values = dict(zip(_COUNTERS, counters.tolist(), strict=True))
    history = History(tensors["history.step"].numpy(), tensors["history.train_loss"].numpy(),
                      tensors["history.test_loss"].numpy())
    state = RunState(
        config=config, parameters=tensors["parameters"],
        optimizer_state={key.split(".", 1)[1]: value for key, value in tensors.items()
                         if key.startswith("optimizer.")},
        statistics=tensors["statistics"], step=values["step"],
        optimizer_origin=values["optimizer_origin"], schedule_step=values["schedule_step"],
        schedule_epoch=values["schedule_epoch"], diverged=values["diverged"], history=history)
    return check_state(state)


def _expect(tensor: torch.Tensor, name: str, dtype: torch.dtype,
            shape: tuple[int, ...] | None) -> None:
    """dtype and shape (None: any 1-D length) of one tensor, or a ValueError in plain words."""
    kind = str(dtype).removeprefix("torch.")
    if tensor.dtype != dtype:
        raise ValueError(f"not a run checkpoint: {name} must be {kind}, got "
                         f"{str(tensor.dtype).removeprefix('torch.')}")
    if shape is None and tensor.dim() != 1:
        raise ValueError(f"not a run checkpoint: {name} must be a list of values, got shape "
                         f"{tuple(tensor.shape)}")
    if shape is not None and tuple(tensor.shape) != shape:
        raise ValueError(f"not a run checkpoint: {name} must have shape {shape} for this model, "
                         f"got {tuple(tensor.shape)}")


def _check_counters(state: RunState) -> None:
    for name in _COUNTERS[:-1]:
        value = getattr(state, name)
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or not (
                0 <= value <= MAX_STEP):
            raise ValueError(f"not a run checkpoint: {name} must be a whole number between 0 "
                             f"and {MAX_STEP:.0e}, got {value!r}")
    for name in ("optimizer_origin", "schedule_step"):
        if getattr(state, name) > state.step:
            raise ValueError(f"not a run checkpoint: {name} = {getattr(state, name)} is after "
                             f"the run's step {state.step}")
    if state.diverged not in (0, 1, True, False):
        raise ValueError(f"not a run checkpoint: diverged must be 0 or 1, got {state.diverged!r}")


def _check_history(history: History, step: int) -> History:
    """Equal lengths, steps in order within [0, step], finite losses (a test loss may be NaN: the
    run had no test set then); thinned to HISTORY_LIMIT."""
    steps, train, test = history.step, history.train_loss, history.test_loss
    if not (len(steps) == len(train) == len(test)):
        raise ValueError(f"not a run checkpoint: the history's step, train_loss and test_loss "
                         f"differ in length ({len(steps)}, {len(train)}, {len(test)})")
    if len(steps) and (steps[0] < 0 or steps[-1] > step or (np.diff(steps) < 0).any()):
        raise ValueError(f"not a run checkpoint: history steps must rise from 0 to the run's "
                         f"step {step}")
    if not (np.isfinite(train).all() and not np.isinf(test).any()):  # NaN: no test set
        raise ValueError("not a run checkpoint: history losses must be finite numbers")
    while len(history) > HISTORY_LIMIT:  # as the engine's own archive does with a long run
        history = history.slice(0, None, 2)
    return History(np.ascontiguousarray(history.step, np.int64),
                   np.ascontiguousarray(history.train_loss, np.float64),
                   np.ascontiguousarray(history.test_loss, np.float64))


def check_state(state: RunState, strict_optimizer: bool = True) -> RunState:
    """A sound copy of `state`, or a ValueError naming what is wrong, in the project's words.

    Checks every tensor against the layout of `state.config.model`: float32 parameters,
    statistics and optimiser state of the right length, finite (unless the run diverged), batch
    norm variances and Adam's second moments not negative; counters whole numbers within range;
    the history (thinned to HISTORY_LIMIT points). strict_optimizer: the optimiser state must be
    exactly the config optimiser's (a file); otherwise other optimisers' state is ignored (a run
    that moves to another optimiser starts a fresh state).
    """
    if not isinstance(state.config, RunConfig):
        raise ValueError("not a run checkpoint: config must be a RunConfig")
    layout = Layout(state.config.model)
    _check_counters(state)
    names = OPTIMIZER_STATE[state.config.training.optimizer]
    if strict_optimizer and set(state.optimizer_state) != set(names):
        raise ValueError(f"not a run checkpoint: optimizer state must be "
                         f"{list(names) or 'empty'} for {state.config.training.optimizer}")
    tensors = {"parameters": (state.parameters, layout.size),
               "statistics": (state.statistics, layout.stats_size),
               **{f"optimizer.{name}": (state.optimizer_state[name], layout.size)
                  for name in names if name in state.optimizer_state}}
    for name, (tensor, size) in tensors.items():
        if not isinstance(tensor, torch.Tensor):
            raise ValueError(f"not a run checkpoint: {name} must be a tensor")
        _expect(tensor, name, torch.float32, (size,))
        if not state.diverged and not bool(torch.isfinite(tensor).all()):
            raise ValueError(f"not a run checkpoint: {name} holds values that are not finite, "
                             "but the run is not marked diverged")
    for slot in layout.slots:
        if slot.stats is not None:
            variance = state.statistics[slot.stats + slot.fan_out:slot.stats + 2 * slot.fan_out]
            if bool((variance < 0).any()):
                raise ValueError("not a run checkpoint: batch norm variances must not be negative")
    second = state.optimizer_state.get("exp_avg_sq") if "exp_avg_sq" in names else None
    if second is not None and bool((second < 0).any()):
        raise ValueError("not a run checkpoint: Adam's second moments must not be negative")
    history = _check_history(state.history, int(state.step))
    return replace(state, step=int(state.step), optimizer_origin=int(state.optimizer_origin),
                   schedule_step=int(state.schedule_step),
                   schedule_epoch=int(state.schedule_epoch), diverged=bool(state.diverged),
                   history=history)


def save_run_file(path: str | Path, state: RunState) -> None:
    Path(path).write_bytes(save_run(state))


def load_run_file(path: str | Path) -> RunState:
    return load_run(Path(path).read_bytes())
