"""The one place wire schemas meet the engine, as conversion only: wire configs <-> engine configs,
engine records and models/pictures.py's pictures -> JSON-ready dicts.

The dicts are shaped exactly like the schemas (tests validate them against schemas.py), numpy
arrays left for orjson, dense arrays rounded for the wire. No math of the pictures (models/ does
that), no limits (limits.py), no sockets, threads or state.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from models import analysis
from models.datasets import DATASETS, Dataset, DatasetConfig
from models.engine import History, RunConfig, RunStatus, TrainingConfig
from models.losses import loss_name
from models.network import ModelConfig, lecture_parameter_count, parameter_count
from models.pictures import (
    DigitsView,
    View1D,
    View2D,
    batch_norm_parameters,
    parameter_terms,
    region_bound_for,
)
from server import schemas

SIGNIFICANT = 5  # digits kept in the dense arrays of a frame
FLOAT32_MAX = float(np.finfo(np.float32).max)
EXACT_INTEGERS = 2**53  # beyond, JSON readers (and orjson's 64-bit integers) lose or refuse them


def F32(value: float) -> np.float32:  # noqa: N802 - reads like the dtype it returns
    """A float32 scalar (orjson writes it short), clipped so it stays finite."""
    return np.float32(min(max(value, -FLOAT32_MAX), FLOAT32_MAX))


# ---- configs ---------------------------------------------------------------------------------

def engine_config(config: schemas.RunConfig) -> RunConfig:
    """The models/ dataclasses for a validated wire config (inputs/outputs from the dataset)."""
    data, model, training = config.dataset, config.model, config.training
    info = DATASETS[data.name]
    points = None if data.points is None else tuple((tuple(p.x), p.y) for p in data.points)
    return RunConfig(
        dataset=DatasetConfig(data.name, data.n_points, data.noise, data.train_fraction, data.seed,
                              points),
        model=ModelConfig(info.inputs, info.outputs, _widths(model.hidden_units), model.depth,
                          model.activation, model.init, model.dropout, model.batch_norm,
                          tuple(model.features)),
        training=TrainingConfig(training.optimizer, training.learning_rate, training.momentum,
                                training.weight_decay, training.batch_size, training.seed,
                                training.l1),
    )


def _widths(hidden_units: int | list[int]) -> int | tuple[int, ...]:
    return hidden_units if isinstance(hidden_units, int) else tuple(hidden_units)


def config_dict(config: RunConfig) -> dict[str, Any]:
    """The wire config of an engine config, as the JSON dict (no validation: the config came
    from a validated request)."""
    data, model, training = config.dataset, config.model, config.training
    units = model.hidden_units
    points = None if data.points is None else [{"x": list(x), "y": y} for x, y in data.points]
    return {
        "dataset": {"name": data.name, "n_points": data.n_points, "noise": data.noise,
                    "train_fraction": data.train_fraction, "seed": data.seed, "points": points},
        "model": {"hidden_units": units if isinstance(units, int) else list(units),
                  "depth": model.depth, "activation": model.activation, "init": model.init,
                  "dropout": model.dropout, "batch_norm": model.batch_norm,
                  "features": list(model.features)},
        "training": {"optimizer": training.optimizer, "learning_rate": training.learning_rate,
                     "momentum": training.momentum, "weight_decay": training.weight_decay,
                     "l1": training.l1, "batch_size": training.batch_size,
                     "seed": training.seed},
    }


def wire_config(config: RunConfig) -> schemas.RunConfig:
    """The validated wire config of an untrusted engine config (a checkpoint's); ValueError
    (pydantic's ValidationError is one) when it is out of the wire's bounds."""
    wire = schemas.RunConfig.model_validate(config_dict(config))
    if engine_config(wire).model != config.model:
        raise ValueError("the model does not fit the dataset's inputs and outputs")
    return wire


# ---- runs ------------------------------------------------------------------------------------

def json_count(value: int) -> int | float:
    """A count as JSON can carry it: exact up to 2**53, a float beyond (257**8 is a real bound)."""
    return value if value <= EXACT_INTEGERS else float(value)


def status_name(playing: bool, status: RunStatus, error: str | None = None) -> str:
    if error:
        return "failed"
    return "diverged" if status.diverged else "running" if playing else "paused"


def _finite(value: float | None) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value)


def run_static(run_id: str, config: RunConfig, device: str) -> dict[str, Any]:
    """The parts of the wire Run that only change with the config."""
    info, model = DATASETS[config.dataset.name], config.model
    # The lecture's formula: 1 input, 1 output, every layer the same width (an int), no features.
    lecture = (model.inputs == 1 and model.outputs == 1 and isinstance(model.hidden_units, int)
               and not model.features)
    widths = model.widths()
    bound = region_bound_for(widths, model.activation, bool(model.features))
    return {
        "id": run_id,
        "config": config_dict(config),
        "task": info.task,
        "loss": loss_name(info.task),
        "inputs": model.inputs,
        "outputs": model.outputs,
        "parameter_count": parameter_count(model),
        "lecture_parameter_count": (lecture_parameter_count(model.hidden_units, model.depth)
                                    if lecture else None),
        "region_bound": None if bound is None else json_count(bound[0]),
        "device": device,
        # bounds and counts beside the region count (DESIGN.md "Watching it learn ...")
        "region_bound_kind": None if bound is None else bound[1],
        "parameter_terms": [list(term) for term in parameter_terms(widths)],
        "batch_norm_parameters": batch_norm_parameters(widths, model.batch_norm),
    }


def run_view(static: dict[str, Any], status: RunStatus, playing: bool,
             steps_per_second: float, linear_regions: int | None,
             error: str | None = None, pace: float | None = None, title: str | None = None,
             parent: tuple[str, int] | None = None) -> dict[str, Any]:
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
        "train_accuracy": _finite(status.train_accuracy),
        "linear_regions": None if diverged else linear_regions,
        "steps_per_second": round(float(steps_per_second), 1),
        "pace": pace,
        "title": title,
        "parent": None if parent is None else {"id": parent[0], "step": int(parent[1])},
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
    if y.ndim == 2 and y.shape[1] == 1:
        return y.reshape(len(y))  # (N, 1) -> (N,); class indices stay (N,)
    return y  # (N, outputs) rows for more outputs


def data_view(dataset: Dataset) -> dict[str, Any]:
    info = dataset.info
    return {
        "task": info.task, "inputs": info.inputs, "classes": info.classes,
        "input_range": [list(pair) for pair in info.input_range],
        "train": {"x": dataset.x_train.cpu().numpy(), "y": _targets(dataset.y_train)},
        "test": {"x": dataset.x_test.cpu().numpy(), "y": _targets(dataset.y_test)},
    }


def baseline_view(dataset: Dataset) -> dict[str, float] | None:
    """The lecture's least-squares line, for 1-D regression with one output."""
    info = dataset.info
    if info.task != "regression" or info.inputs != 1 or info.outputs != 1:
        return None
    fit = analysis.linear_regression(dataset.x_train.cpu().numpy(), dataset.y_train.cpu().numpy())
    return {"beta0": fit.beta0, "beta1": fit.beta1, "rss": fit.rss}


def weights_view(layers: list) -> dict[str, Any]:
    return {"layers": [{"weight": w, "bias": b} for w, b in layers]}


# ---- pictures --------------------------------------------------------------------------------

def compact(values: np.ndarray) -> np.ndarray:
    """float32 rounded to SIGNIFICANT digits of the array's largest magnitude: plots look the
    same, frames shrink by half. Finite in, finite out."""
    values = np.asarray(values, np.float64)
    largest = float(np.abs(values).max()) if values.size else 0.0
    if not 0.0 < largest < FLOAT32_MAX:
        return np.clip(values, -FLOAT32_MAX, FLOAT32_MAX).astype(np.float32)
    decimals = SIGNIFICANT - 1 - math.floor(math.log10(largest))
    return values.round(decimals).astype(np.float32)


def function_view(picture: View1D | View2D | DigitsView,
                  baseline: dict | None) -> dict[str, Any]:
    """The wire Function of a picture (models/pictures.py)."""
    if isinstance(picture, View1D):
        return _view_1d(picture, baseline)
    if isinstance(picture, View2D):
        return {"kind": "2d", "x": picture.x.astype(np.float32),
                "y": picture.y.astype(np.float32), "z": compact(picture.z),
                "classes": picture.classes, "regions": picture.regions,
                "region_count": picture.region_count,
                "polygons": None if picture.polygons is None else [
                    {"vertices": region.vertices.astype(np.float32),
                     "pattern": region.pattern.astype(np.uint8)} for region in picture.polygons],
                "boundary": None if picture.boundary is None else
                picture.boundary.astype(np.float32)}
    return {"kind": "digits", "confusion": picture.confusion,
            "samples": [{"pixels": s.pixels.astype(np.float32), "label": s.label,
                         "predicted": s.predicted} for s in picture.samples]}


def _view_1d(picture: View1D, baseline: dict | None) -> dict[str, Any]:
    units = None
    if picture.units is not None:
        parts = picture.units
        units = {"layers": [{"pre": compact(pre), "post": compact(post)}
                            for pre, post in zip(parts.pre, parts.post, strict=True)],
                 "weighted": compact(parts.weighted[0]), "bias": float(parts.bias[0]),
                 "joints": None if picture.joints is None else [
                     None if x is None else F32(x) for x in picture.joints]}
    piecewise = None
    if picture.pieces is not None:
        piecewise = {
            "breakpoints": [p.breakpoints.astype(np.float32) for p in picture.pieces],
            "region_count": picture.region_count,
            "pieces": [[{"x0": F32(x0), "x1": F32(x1), "slope": F32(s), "intercept": F32(c)}
                        for x0, x1, s, c in p.pieces()] for p in picture.pieces],
        }
    return {"kind": "1d", "x": picture.x.astype(np.float32), "y": compact(picture.output),
            "piecewise": piecewise, "units": units, "baseline": baseline}
