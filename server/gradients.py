"""Live gradient and activation statistics (GET /api/runs/{id}/gradients): the run's next step
opened up by models/inspect.py and summarised per layer by models/gradstats.py. It reads only, so
a playing run is read between two of its steps on the training thread."""

from __future__ import annotations

import math
from typing import Any

from models.gradstats import Histogram, layer_statistics
from models.inspect import InspectError, inspect_step
from server.errors import ApiError
from server.registry import Registry

MAX_NUMBERS = 2_000_000  # activations and dL/df of one step (units x batch, all layers)


def gradients(registry: Registry, run_id: str) -> dict[str, Any]:
    """The wire Gradients of the run's next step; 409 for a failed or diverged run, batch norm,
    dropout and a step too large to summarise at a few times a second."""
    record = registry.get(run_id)
    if record.error:
        raise ApiError(409, f"the run failed: {record.error}; reset it", "status")
    group = registry.group(record)
    record.status = group.statuses([run_id])[run_id]
    if record.diverged:
        raise ApiError(409, "the run diverged (its loss is not finite): reset it", "status")
    dataset = registry.dataset(record)
    model, training = record.config.model, record.config.training
    batch = min(training.batch_size or len(dataset.x_train), len(dataset.x_train))
    numbers = batch * sum(model.hidden_widths()) + batch * model.outputs
    if numbers > MAX_NUMBERS:
        raise ApiError(409, f"this step is too large for live statistics ({numbers:,} numbers, at "
                            f"most {MAX_NUMBERS:,}): use a smaller batch or fewer hidden units",
                       "training.batch_size")
    try:
        step = inspect_step(group.export_run(run_id), dataset)
    except InspectError as error:
        raise ApiError(409, str(error), error.field) from None
    layers = []
    for k, (layer, stats) in enumerate(zip(step.layers, layer_statistics(step), strict=True)):
        layers.append({
            "name": "output" if k == len(step.layers) - 1 else f"layer {k + 1}",
            "shape": list(layer.weight.shape),
            "weight_norm": stats.weight_norm, "grad_norm": stats.grad_norm,
            "update_norm": stats.update_norm,
            "update_ratio": stats.update_ratio if math.isfinite(stats.update_ratio) else None,
            "pre_std": stats.pre_std, "post_std": stats.post_std,
            "grad_pre_std": stats.grad_pre_std, "dead": stats.dead,
            "post": _histogram(stats.post), "grad_pre": _histogram(stats.grad_pre)})
    return {"step": step.step, "batch": len(step.indices), "loss": step.loss,
            "optimizer": step.optimizer, "init": model.init, "layers": layers}


def _histogram(histogram: Histogram) -> dict[str, list]:
    return {"edges": [float(edge) for edge in histogram.edges],
            "counts": [int(count) for count in histogram.counts]}
