"""The one place wire schemas meet the engine: schemas -> models configs, engine results -> JSON.

Returns plain dicts shaped exactly like the schemas (tests validate them against schemas.py), with
numpy arrays left for orjson. Never touches sockets, threads or the event loop.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from models import analysis
from models.activations import ACTIVATIONS
from models.datasets import DATASETS, Dataset, DatasetConfig, DatasetInfo, validate_points
from models.engine import History, RunConfig, RunStatus, TrainingConfig
from models.losses import loss_name
from models.network import ModelConfig, lecture_parameter_count, parameter_count, region_bound
from server import schemas
from server.errors import ApiError
from server.settings import Settings

MAX_UNITS_SHOWN = 32  # per layer; beyond, the function's `units` is null
DIGIT_SAMPLES = 12
SIGNIFICANT = 5  # digits kept in the dense arrays of a frame
FLOAT32_MAX = float(np.finfo(np.float32).max)


def F32(value: float) -> np.float32:  # noqa: N802 - reads like the dtype it returns
    """A float32 scalar (orjson writes it short), clipped so it stays finite."""
    return np.float32(min(max(value, -FLOAT32_MAX), FLOAT32_MAX))


def engine_config(config: schemas.RunConfig) -> RunConfig:
    """The models/ dataclasses for a validated wire config (inputs/outputs from the dataset)."""
    data, model, training = config.dataset, config.model, config.training
    info = DATASETS[data.name]
    points = None if data.points is None else tuple((tuple(p.x), p.y) for p in data.points)
    return RunConfig(
        dataset=DatasetConfig(data.name, data.n_points, data.noise, data.train_fraction, data.seed,
                              points),
        model=ModelConfig(info.inputs, info.outputs, model.hidden_units, model.depth,
                          model.activation, model.init, model.dropout, model.batch_norm),
        training=TrainingConfig(training.optimizer, training.learning_rate, training.momentum,
                                training.weight_decay, training.batch_size, training.seed),
    )


def wire_config(config: RunConfig) -> schemas.RunConfig:
    """The wire config of an engine config (from a checkpoint); ValidationError if out of bounds."""
    data, model, training = config.dataset, config.model, config.training
    points = None if data.points is None else [{"x": list(x), "y": y} for x, y in data.points]
    wire = schemas.RunConfig.model_validate({
        "dataset": {"name": data.name, "n_points": data.n_points, "noise": data.noise,
                    "train_fraction": data.train_fraction, "seed": data.seed, "points": points},
        "model": {"hidden_units": model.hidden_units, "depth": model.depth,
                  "activation": model.activation, "init": model.init, "dropout": model.dropout,
                  "batch_norm": model.batch_norm},
        "training": {"optimizer": training.optimizer, "learning_rate": training.learning_rate,
                     "momentum": training.momentum, "weight_decay": training.weight_decay,
                     "batch_size": training.batch_size, "seed": training.seed},
    })
    if engine_config(wire).model != model:
        raise ValueError("the model does not fit the dataset's inputs and outputs")
    return wire


def check_config(config: schemas.RunConfig, settings: Settings) -> None:
    """The server's limits and the engine's own checks, as 422s naming the field."""
    limits = [
        ("model.hidden_units", config.model.hidden_units, settings.max_hidden_units,
         "max_hidden_units"),
        ("model.depth", config.model.depth, settings.max_depth, "max_depth"),
        ("dataset.n_points", config.dataset.n_points, settings.max_points, "max_points"),
        ("dataset.points", len(config.dataset.points or ()), settings.max_points, "max_points"),
    ]
    for field, value, limit, name in limits:
        if value > limit:
            raise ApiError(422, f"{field} = {value} is over this server's limit {name} = {limit}",
                           field)
    info = DATASETS[config.dataset.name]
    _check_step_cost(config, info, settings)
    if info.custom:
        points = [(p.x, p.y) for p in config.dataset.points or ()]
        try:
            validate_points(info, points)
        except ValueError as error:
            raise ApiError(422, str(error), "dataset.points") from None


def step_cost(config: schemas.RunConfig) -> float:
    """parameters x points of one training step (the batch, or all training points)."""
    parameters, batch = _step_size(config)
    return float(parameters * batch)


def _step_size(config: schemas.RunConfig) -> tuple[int, int]:
    info = DATASETS[config.dataset.name]
    n_points = len(config.dataset.points or ()) if info.custom else config.dataset.n_points
    batch = min(config.training.batch_size or n_points, n_points)
    return parameter_count(engine_config(config).model), batch


def _check_step_cost(config: schemas.RunConfig, info: DatasetInfo, settings: Settings) -> None:
    """One step costs about parameters x points in a batch; one huge run would stall everyone."""
    parameters, batch = _step_size(config)
    cost = parameters * batch
    if cost > settings.max_step_cost:
        raise ApiError(422, f"this network and batch are too large for this server: "
                            f"{parameters:,} parameters x {batch:,} points per step = {cost:.3g}, "
                            f"over the limit max_step_cost = {settings.max_step_cost:.3g}; use "
                            "fewer hidden units or layers, fewer points or a smaller batch",
                       "model.hidden_units")


def status_name(playing: bool, status: RunStatus, error: str | None = None) -> str:
    if error:
        return "failed"
    return "diverged" if status.diverged else "running" if playing else "paused"


EXACT_INTEGERS = 2**53  # beyond, JSON readers (and orjson's 64-bit integers) lose or refuse them


def json_count(value: int) -> int | float:
    """A count as JSON can carry it: exact up to 2**53, a float beyond (257**8 is a real bound)."""
    return value if value <= EXACT_INTEGERS else float(value)


def _finite(value: float | None) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value)


def run_static(run_id: str, config: schemas.RunConfig, model: ModelConfig,
               device: str) -> dict[str, Any]:
    """The parts of the wire Run that only change with the config (cached per run)."""
    info = DATASETS[config.dataset.name]
    lecture = model.inputs == 1 and model.outputs == 1
    piecewise = ACTIVATIONS[model.activation].piecewise_linear
    return {
        "id": run_id,
        "config": config.model_dump(mode="json"),
        "task": info.task,
        "loss": loss_name(info.task),
        "inputs": model.inputs,
        "outputs": model.outputs,
        "parameter_count": parameter_count(model),
        "lecture_parameter_count": (lecture_parameter_count(model.hidden_units, model.depth)
                                    if lecture else None),
        "region_bound": (json_count(region_bound(model.hidden_units, model.depth))
                         if piecewise and model.inputs == 1 else None),
        "device": device,
    }


def run_view(static: dict[str, Any], status: RunStatus, playing: bool,
             steps_per_second: float, linear_regions: int | None,
             error: str | None = None) -> dict[str, Any]:
    """The wire Run: `static` (from run_static) and the run's current state."""
    diverged = status.diverged
    return {
        **static,
        "status": status_name(playing, status, error),
        "error": error,
        "step": int(status.step),
        "epoch": float(status.epoch),
        "train_loss": None if diverged else _finite(status.train_loss),
        "test_loss": None if diverged else _finite(status.test_loss),
        "accuracy": _finite(status.accuracy),
        "linear_regions": None if diverged else linear_regions,
        "steps_per_second": round(float(steps_per_second), 1),
    }


def history_rows(history: History) -> np.ndarray:
    """(3, n) float64: step, train_loss, test_loss."""
    return np.stack([np.asarray(history.step, np.float64),
                     np.asarray(history.train_loss, np.float64),
                     np.asarray(history.test_loss, np.float64)])


def history_view(history: History) -> dict[str, Any]:
    return {"step": np.asarray(history.step, np.int64),
            "train_loss": np.asarray(history.train_loss, np.float32),
            "test_loss": np.asarray(history.test_loss, np.float32)}


def _targets(y) -> np.ndarray:
    y = y.detach().cpu().numpy()
    return y.reshape(len(y)) if y.ndim == 2 else y  # (N, 1) -> (N,); class indices stay (N,)


def data_view(dataset: Dataset) -> dict[str, Any]:
    info = dataset.info
    return {
        "task": info.task, "inputs": info.inputs, "classes": info.classes,
        "input_range": [list(pair) for pair in info.input_range],
        "train": {"x": dataset.x_train.cpu().numpy(), "y": _targets(dataset.y_train)},
        "test": {"x": dataset.x_test.cpu().numpy(), "y": _targets(dataset.y_test)},
    }


def compact(values: np.ndarray) -> np.ndarray:
    """float32 rounded to SIGNIFICANT digits of the array's largest magnitude: plots look the
    same, frames shrink by half. Finite in, finite out."""
    values = np.asarray(values, np.float64)
    largest = float(np.abs(values).max()) if values.size else 0.0
    if not 0.0 < largest < FLOAT32_MAX:
        return np.clip(values, -FLOAT32_MAX, FLOAT32_MAX).astype(np.float32)
    decimals = SIGNIFICANT - 1 - math.floor(math.log10(largest))
    return values.round(decimals).astype(np.float32)


def _probability(task: str, out: np.ndarray) -> np.ndarray | None:
    """out (N, outputs) -> (N, outputs) class probabilities, or None for regression."""
    if task == "binary":
        return 1.0 / (1.0 + np.exp(-np.clip(out, -500, 500)))
    if task == "multiclass":
        shifted = np.exp(out - out.max(axis=1, keepdims=True))
        return shifted / shifted.sum(axis=1, keepdims=True)
    return None


def baseline_view(dataset: Dataset) -> dict[str, float] | None:
    """The lecture's least-squares line, for 1-D regression."""
    if dataset.info.task != "regression" or dataset.info.inputs != 1:
        return None
    fit = analysis.linear_regression(dataset.x_train.cpu().numpy(), dataset.y_train.cpu().numpy())
    return {"beta0": fit.beta0, "beta1": fit.beta1, "rss": fit.rss}


def function_view(layers: list, activation: str, dataset: Dataset, baseline: dict | None,
                  resolution: int) -> tuple[dict[str, Any] | None, int | None]:
    """(the wire Function, its linear region count); (None, None) if the weights are not finite."""
    if not all(np.isfinite(w).all() and np.isfinite(b).all() for w, b in layers):
        return None, None
    info = dataset.info
    if info.name == "digits" or info.inputs > 2:
        return _digits_view(layers, activation, dataset), None
    if info.inputs == 2:
        return _view_2d(layers, activation, info, resolution)
    return _view_1d(layers, activation, info, baseline)


def region_count(layers: list, activation: str, info: DatasetInfo,
                 resolution: int) -> int | None:
    """Only the linear region count of function_view, without building the view."""
    if not ACTIVATIONS[activation].piecewise_linear or info.inputs > 2:
        return None
    if not all(np.isfinite(w).all() and np.isfinite(b).all() for w, b in layers):
        return None
    if info.inputs == 1:
        (lo, hi), = info.input_range
        return int(analysis.piecewise_1d(layers, activation, lo, hi)[0].region_count)
    (x_lo, x_hi), (y_lo, y_hi) = info.input_range
    return int(analysis.region_map_2d(layers, activation, (x_lo, x_hi), (y_lo, y_hi),
                                      resolution)[1])


def _view_1d(layers, activation, info: DatasetInfo, baseline):
    lo, hi = info.input_range[0]
    pieces = analysis.piecewise_1d(layers, activation, lo, hi)
    if pieces is None:  # smooth: a uniform grid; piecewise-linear: every pattern boundary
        x = analysis.polyline_x(layers, activation, lo, hi)  # (M,)
    else:
        x = np.concatenate([[lo], pieces[0].boundaries, [hi]])
    units = None
    if all(w.shape[0] <= MAX_UNITS_SHOWN for w, _ in layers[:-1]):
        parts = analysis.unit_decomposition_1d(layers, activation, x)
        out = parts.total.T  # (M, outputs)
        units = {
            "layers": [{"pre": compact(pre), "post": compact(post)}
                       for pre, post in zip(parts.pre, parts.post, strict=True)],
            "weighted": compact(parts.weighted[0]), "bias": float(parts.bias[0]),
        }
    else:
        out = analysis.evaluate(layers, activation, x[:, None])  # (M, outputs)
    if not np.isfinite(out).all():
        return None, None
    piecewise = None
    if pieces is not None:
        piecewise = {
            "breakpoints": [p.breakpoints.astype(np.float32) for p in pieces],
            "region_count": int(pieces[0].region_count),
            "pieces": [[{"x0": F32(x0), "x1": F32(x1), "slope": F32(s), "intercept": F32(c)}
                        for x0, x1, s, c in p.pieces()] for p in pieces],
        }
    probability = _probability(info.task, out)
    view = {
        "kind": "1d", "x": x.astype(np.float32), "y": compact(out.T),
        "probability": None if probability is None else compact(probability.T),
        "piecewise": piecewise, "units": units, "baseline": baseline,
    }
    return view, None if pieces is None else int(pieces[0].region_count)


def _view_2d(layers, activation, info: DatasetInfo, resolution: int):
    (x_lo, x_hi), (y_lo, y_hi) = info.input_range
    xs, ys = np.linspace(x_lo, x_hi, resolution), np.linspace(y_lo, y_hi, resolution)
    grid = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)  # (res*res, 2), row = y
    out = analysis.evaluate(layers, activation, grid)  # (res*res, outputs)
    if not np.isfinite(out).all():
        return None, None
    probability = _probability(info.task, out)
    classes = None
    if info.task == "regression":
        z = out[:, 0]
    elif info.task == "binary":
        z = probability[:, 0]
        classes = (z > 0.5).astype(np.int64).reshape(resolution, resolution)
    else:
        z = probability.max(axis=1)
        classes = probability.argmax(axis=1).reshape(resolution, resolution)
    regions, count = None, None
    if ACTIVATIONS[activation].piecewise_linear:
        region_id, count = analysis.region_map_2d(layers, activation, (x_lo, x_hi), (y_lo, y_hi),
                                                  resolution)
        regions, count = np.asarray(region_id, np.int64), int(count)
    view = {"kind": "2d", "x": xs.astype(np.float32), "y": ys.astype(np.float32),
            "z": compact(z.reshape(resolution, resolution)), "classes": classes,
            "regions": regions, "region_count": count}
    return view, count


def _digits_view(layers, activation, dataset: Dataset):
    x = dataset.x_test.cpu().numpy()
    label = dataset.y_test.cpu().numpy().astype(np.int64)
    predicted = analysis.evaluate(layers, activation, x).argmax(axis=1)
    classes = dataset.info.classes or 10
    confusion = np.zeros((classes, classes), np.int64)
    np.add.at(confusion, (label, predicted), 1)
    samples = [{"pixels": x[i].astype(np.float32), "label": int(label[i]),
                "predicted": int(predicted[i])} for i in range(min(DIGIT_SAMPLES, len(x)))]
    return {"kind": "digits", "confusion": confusion, "samples": samples}


def weights_view(layers: list) -> dict[str, Any]:
    return {"layers": [{"weight": w, "bias": b} for w, b in layers]}
