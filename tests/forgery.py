"""Forged checkpoint files for the attack tests: an honest file with some tensors replaced."""

from __future__ import annotations

import json

import torch
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors


def tensors_of(data: bytes) -> dict[str, torch.Tensor]:
    return dict(load_tensors(data))


def forge(data: bytes, **changes: torch.Tensor | None) -> bytes:
    """The same file with tensors replaced (None: removed), its metadata kept. Names use `__`
    for the dot: optimizer__exp_avg is the tensor optimizer.exp_avg."""
    length = int.from_bytes(data[:8], "little")
    metadata = json.loads(data[8:8 + length])["__metadata__"]
    tensors = tensors_of(data)
    for name, value in changes.items():
        name = name.replace("__", ".")
        if value is None:
            del tensors[name]
        else:
            tensors[name] = value
    return save_tensors(tensors, metadata=metadata)
