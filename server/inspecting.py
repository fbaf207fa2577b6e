"""The step inspector's command (RunService.inspect): checks the run can be opened up, asks
models/inspect.py for its next step in float64, and converts that to the wire (schemas/inspect).
Reads only: the run's weights, optimizer state and counters stay as they were."""

from __future__ import annotations

from typing import Any

import numpy as np

from models.inspect import InspectedStep, InspectError, finite_difference, inspect_step
from models.pictures import view_1d
from server.errors import ApiError
from server.registry import Registry
from server.schemas.inspect import WeightCheck

MAX_NUMBERS = 2_000_000  # numbers in one answer (~40 MB of JSON): beyond, a smaller net or batch


def inspect(registry: Registry, run_id: str, check: WeightCheck | None) -> dict[str, Any]:
    """The Inspection of the run's next step; 409 for a running, failed or diverged run and for
    batch norm or dropout, 422 naming `check.*` for a weight that is not there."""
    record = registry.get(run_id)
    if record.error:
        raise ApiError(409, f"the run failed: {record.error}; reset it", "status")
    if record.active:
        raise ApiError(409, "the run is training: pause it to inspect its next step", "status")
    group = registry.group(record)
    record.status = group.statuses([run_id])[run_id]
    if record.diverged:
        raise ApiError(409, "the run diverged (its loss is not finite): there is no step to "
                            "inspect; reset it", "status")
    state, dataset = group.export_run(run_id), registry.dataset(record)
    try:
        step = inspect_step(state, dataset)
    except InspectError as error:
        raise ApiError(409, str(error), error.field) from None
    numbers = answer_size(step)
    if numbers > MAX_NUMBERS:
        raise ApiError(409, f"this step is too large to open up ({numbers:,} numbers, at most "
                            f"{MAX_NUMBERS:,}): use a smaller batch or fewer hidden units",
                       "training.batch_size")
    result = None
    if check is not None:
        _check_fits(step, check)
        layer = step.layers[check.layer]
        exact = (layer.grad_bias[check.row] if check.column is None
                 else layer.grad_weight[check.row, check.column])
        numeric = finite_difference(state, dataset, check.layer, check.row, check.column)
        result = {**check.model_dump(), "backprop": float(exact), "finite_difference": numeric}
    record.touch()
    return inspection_view(step, dataset, record.config.model, result)


def answer_size(step: InspectedStep) -> int:
    """How many numbers the answer holds: per layer 5 (D_k, B) and a (D_{k-1}, B) matrix, the
    weights and biases with their update parts (at most 7 each)."""
    batch = len(step.indices)
    return sum(layer.weight.shape[0] * (5 * batch + 7 * (layer.weight.shape[1] + 1))
               + layer.weight.shape[1] * batch for layer in step.layers)


def _check_fits(step: InspectedStep, check: WeightCheck) -> None:
    if check.layer >= len(step.layers):
        raise ApiError(422, f"layer {check.layer} is not there: the net has {len(step.layers)} "
                            "Linears (0 is the first)", "check.layer")
    rows, columns = step.layers[check.layer].weight.shape
    if check.row >= rows:
        raise ApiError(422, f"layer {check.layer} has {rows} rows (units)", "check.row")
    if check.column is not None and check.column >= columns:
        raise ApiError(422, f"layer {check.layer} has {columns} columns (inputs)", "check.column")


def _update(update) -> dict[str, Any]:
    return {name: _array(getattr(update, name))
            for name in ("gradient", "change", "velocity", "m_hat", "sqrt_v_hat")}


def _array(value):
    """The JSON writer takes C-contiguous numpy arrays only (transposes are not)."""
    return None if value is None else np.ascontiguousarray(value)


def inspection_view(step: InspectedStep, dataset, model, check: dict | None) -> dict[str, Any]:
    """The wire dict (numpy arrays stay arrays: the JSON writer takes them, float64 kept)."""
    names = ("weight", "bias", "pre", "post", "grad_post", "grad_pre", "grad_weight",
             "grad_bias", "grad_input")
    layers = [{**{name: _array(getattr(layer, name)) for name in names},
               "update": {"weight": _update(layer.weight_update),
                          "bias": _update(layer.bias_update)}} for layer in step.layers]
    return {"step": step.step, "optimizer": step.optimizer, "learning_rate": step.learning_rate,
            "adam_t": step.adam_t, "activation": model.activation, "task": dataset.info.task,
            "indices": _array(step.indices), "inputs": _array(step.inputs),
            "targets": _array(step.targets), "losses": _array(step.losses),
            "loss": step.loss, "penalty": step.penalty,
            "layers": layers,
            "new_weights": {"layers": [{"weight": _array(w), "bias": _array(b)}
                                      for w, b in step.new_layers]},
            "preview": _preview(step, dataset, model), "check": check}


def _preview(step: InspectedStep, dataset, model) -> dict[str, Any] | None:
    """The function after the step on 1-D data, exact at its own kinks (models.pictures)."""
    if dataset.info.inputs != 1:
        return None
    lo, hi = dataset.info.input_range[0]
    view = view_1d(list(step.new_layers), model.activation, dataset.info.task, lo, hi,
                   max_units=0, features=model.features)
    if view is None:
        return None
    return {"x": _array(view.x), "y": _array(view.output)}
