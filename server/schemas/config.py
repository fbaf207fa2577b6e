"""The run config on the wire: every field with its default and its bounds, the partial
config of PATCH and `update`, and the train request. Inputs: strict, no NaN, no unknown field."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from server.names import (
    ACTIVATION_NAMES,
    DATASET_DEFAULTS,
    DATASET_NAMES,
    INIT_NAMES,
    MAX_DEPTH,
    MAX_HIDDEN_UNITS,
    MAX_NOISE,
    MAX_USER_POINTS,
    MODEL_DEFAULTS,
    N_POINTS_RANGE,
    OPTIMIZER_NAMES,
    TRAINING_DEFAULTS,
    USER_POINT_RANGE,
)

DatasetName = Literal[DATASET_NAMES]  # type: ignore[valid-type]
ActivationName = Literal[ACTIVATION_NAMES]  # type: ignore[valid-type]
InitName = Literal[INIT_NAMES]  # type: ignore[valid-type]
OptimizerName = Literal[OPTIMIZER_NAMES]  # type: ignore[valid-type]
Seed = Annotated[int, Field(ge=0, le=2**31 - 1)]
Coordinate = Annotated[float, Field(ge=USER_POINT_RANGE[0], le=USER_POINT_RANGE[1])]


class Strict(BaseModel):
    """Inputs: no coercion from strings, no NaN/inf, no unknown fields."""

    model_config = ConfigDict(strict=True, allow_inf_nan=False, extra="forbid")


class UserPoint(Strict):
    x: list[Coordinate] = Field(min_length=1, max_length=2)
    y: Coordinate


class DatasetSpec(Strict):
    name: DatasetName = DATASET_DEFAULTS.name
    n_points: int = Field(DATASET_DEFAULTS.n_points, ge=N_POINTS_RANGE[0], le=N_POINTS_RANGE[1])
    noise: float = Field(DATASET_DEFAULTS.noise, ge=0, le=MAX_NOISE)
    train_fraction: float = Field(DATASET_DEFAULTS.train_fraction, gt=0, le=1,
                                  description="1: every point trains (no test set)")
    seed: Seed = DATASET_DEFAULTS.seed
    points: list[UserPoint] | None = Field(None, max_length=MAX_USER_POINTS)


class ModelSpec(Strict):
    hidden_units: int = Field(MODEL_DEFAULTS.hidden_units, ge=1, le=MAX_HIDDEN_UNITS)
    depth: int = Field(MODEL_DEFAULTS.depth, ge=0, le=MAX_DEPTH, description="0: a linear model")
    activation: ActivationName = MODEL_DEFAULTS.activation
    init: InitName = MODEL_DEFAULTS.init
    dropout: float = Field(MODEL_DEFAULTS.dropout, ge=0, lt=1)
    batch_norm: bool = MODEL_DEFAULTS.batch_norm


class TrainingSpec(Strict):
    optimizer: OptimizerName = TRAINING_DEFAULTS.optimizer
    learning_rate: float = Field(TRAINING_DEFAULTS.learning_rate, gt=0, le=10)
    momentum: float = Field(TRAINING_DEFAULTS.momentum, ge=0, le=0.999)
    weight_decay: float = Field(TRAINING_DEFAULTS.weight_decay, ge=0, le=1)
    batch_size: int | None = Field(TRAINING_DEFAULTS.batch_size, ge=1, le=N_POINTS_RANGE[1],
                                   description="null: full batch")
    seed: Seed = TRAINING_DEFAULTS.seed


class RunConfig(Strict):
    """A run's experiment config; `{}` is the default playground."""

    dataset: DatasetSpec = Field(default_factory=DatasetSpec)
    model: ModelSpec = Field(default_factory=ModelSpec)
    training: TrainingSpec = Field(default_factory=TrainingSpec)


def _partial(model: type[Strict], name: str) -> type[Strict]:
    """The same fields, all optional: only the fields a client sends are changed."""
    fields: dict[str, Any] = {}
    for field_name, info in model.model_fields.items():
        optional = info._copy()  # keep the bounds, drop the default
        optional.default, optional.default_factory = None, None
        fields[field_name] = (info.annotation, optional)
    return create_model(name, __base__=Strict, **fields)


DatasetPatch = _partial(DatasetSpec, "DatasetPatch")
ModelPatch = _partial(ModelSpec, "ModelPatch")
TrainingPatch = _partial(TrainingSpec, "TrainingPatch")


class RunConfigPatch(Strict):
    """A partial run config for PATCH and the websocket `update`: only sent fields change."""

    dataset: DatasetPatch | None = None  # type: ignore[valid-type]
    model: ModelPatch | None = None  # type: ignore[valid-type]
    training: TrainingPatch | None = None  # type: ignore[valid-type]


class TrainRequest(Strict):
    steps: int = Field(100, ge=1, description="at most the server's max_steps_per_call")
