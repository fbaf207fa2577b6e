"""Save and load one run (config, weights, optimiser state, counters, history) without pickle.

Tensors go into a safetensors file, the config into its JSON metadata. The engine's randomness is
counter-based (models/schedule.py): seed + counters below are the whole random state.
"""

import json
import struct
from dataclasses import dataclass, field
from pathlib import Path

import torch
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors

from models.records import History, RunConfig

FORMAT = "nn-playground-run"
VERSION = "1"
_COUNTERS = ("step", "optimizer_origin", "schedule_step", "schedule_epoch", "diverged")


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
        "history.step": torch.from_numpy(state.history.step.astype("int64")),
        "history.train_loss": torch.from_numpy(state.history.train_loss.astype("float64")),
        "history.test_loss": torch.from_numpy(state.history.test_loss.astype("float64")),
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
    return header.get("__metadata__") or {}


def load_run(data: bytes) -> RunState:
    """Read bytes written by save_run; ValueError if they are not a run checkpoint."""
    metadata = _metadata(data)
    if metadata.get("format") != FORMAT:
        raise ValueError("not a run checkpoint: missing nn-playground metadata")
    if metadata.get("version") != VERSION:
        raise ValueError(f"unsupported checkpoint version {metadata.get('version')!r}")
    tensors = load_tensors(data)
    counters = dict(zip(_COUNTERS, tensors["counters"].tolist(), strict=True))
    history = History(tensors["history.step"].numpy(), tensors["history.train_loss"].numpy(),
                      tensors["history.test_loss"].numpy())
    optimizer_state = {key.split(".", 1)[1]: value for key, value in tensors.items()
                       if key.startswith("optimizer.")}
    return RunState(
        config=RunConfig.from_dict(json.loads(metadata["config"])),
        parameters=tensors["parameters"], optimizer_state=optimizer_state,
        statistics=tensors["statistics"], step=counters["step"],
        optimizer_origin=counters["optimizer_origin"], schedule_step=counters["schedule_step"],
        schedule_epoch=counters["schedule_epoch"], diverged=bool(counters["diverged"]),
        history=history)


def save_run_file(path: str | Path, state: RunState) -> None:
    Path(path).write_bytes(save_run(state))


def load_run_file(path: str | Path) -> RunState:
    return load_run(Path(path).read_bytes())
