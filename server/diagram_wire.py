"""The network diagram's fields of a wire Function (models/diagram.py's views -> JSON-ready dicts):
`network` on every kind, the 2-D unit thumbnails as `units` on 2-D. Conversion only, as bridge.py:
numpy arrays left for orjson, each thumbnail plane rounded for the wire.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from models.diagram import NetworkView, Thumbnails2D
from models.pictures import DigitsView, View1D, View2D
from server.bridge import F32, FLOAT32_MAX

THUMBNAIL_DIGITS = 3  # digits kept in each plane of a 2-D unit thumbnail


def diagram_fields(picture: View1D | View2D | DigitsView, network: NetworkView | None,
                   thumbnails: Thumbnails2D | None) -> dict[str, Any]:
    """The diagram's fields of a wire Function: `network` on every kind, `units` on 2-D."""
    fields: dict[str, Any] = {"network": None if network is None else _network(network)}
    if isinstance(picture, View2D):
        fields["units"] = None if thumbnails is None else _thumbnails(thumbnails)
    return fields


def _network(network: NetworkView) -> dict[str, Any]:
    """The numbers of GET weights exactly (float64), so the page can edit and PUT them back."""
    return {"widths": list(network.widths), "summary": network.summary,
            "layers": [{"weight": layer.weight, "bias": layer.bias,
                        "strongest": None if layer.strongest is None else {
                            "to": layer.strongest.to, "from": layer.strongest.source,
                            "weight": layer.strongest.weight}}
                       for layer in network.layers],
            "batch_norm": list(network.batch_norm), "dropout": network.dropout,
            "dropped": None if network.dropped is None else [list(d) for d in network.dropped]}


def _thumbnails(thumbnails: Thumbnails2D) -> dict[str, Any]:
    return {"x": thumbnails.x.astype(np.float32), "y": thumbnails.y.astype(np.float32),
            "layers": [{"pre": compact_planes(pre), "post": compact_planes(post)}
                       for pre, post in zip(thumbnails.pre, thumbnails.post, strict=True)],
            "weighted": compact_planes(thumbnails.weighted),
            "bias": thumbnails.bias.astype(np.float32),
            "output": compact_planes(thumbnails.output),
            "lines": None if thumbnails.lines is None else [
                None if line is None else [[F32(x), F32(y)] for x, y in line]
                for line in thumbnails.lines]}


def compact_planes(values: np.ndarray, digits: int = THUMBNAIL_DIGITS) -> np.ndarray:
    """float32 with each (res, res) plane (the last two axes) rounded to `digits` significant
    digits of its own largest magnitude: a faint unit keeps its shape beside a strong one."""
    values = np.asarray(values, np.float64)
    largest = np.abs(values).max(axis=(-2, -1), keepdims=True)
    safe = np.where((largest > 0) & (largest < FLOAT32_MAX), largest, 1.0)
    scale = 10.0 ** (digits - 1 - np.floor(np.log10(safe)))
    with np.errstate(over="ignore", invalid="ignore"):
        rounded = np.round(values * scale) / scale
    # C order: orjson serializes only contiguous arrays (depth 0's weighted planes are a transpose)
    return np.ascontiguousarray(np.clip(np.where(np.isfinite(rounded), rounded, values),
                                        -FLOAT32_MAX, FLOAT32_MAX), dtype=np.float32)
