"""The wire contract (DESIGN.md "Wire"): every request, response and websocket message of the API.

Pydantic models only: validation with bounds at the edge. No torch, no engine objects (bridge.py).
"""

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
    train_fraction: float = Field(DATASET_DEFAULTS.train_fraction, gt=0, lt=1)
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


Task = Literal["regression", "binary", "multiclass"]


class Run(BaseModel):
    id: str
    config: RunConfig
    status: Literal["paused", "running", "diverged", "failed"] = Field(
        description="failed: the server failed on this run; see `error`, reset it")
    error: str | None = Field(None, description="what failed, when status is failed")
    step: int
    epoch: float
    train_loss: float | None = Field(description="null when diverged")
    test_loss: float | None
    accuracy: float | None = Field(description="classification only")
    task: Task
    loss: Literal["mse", "bce", "cross_entropy"]
    inputs: int
    outputs: int
    parameter_count: int
    lecture_parameter_count: int | None = Field(description="1 input, 1 output only")
    linear_regions: int | None = Field(description="piecewise-linear activations, 1-D/2-D input")
    region_bound: int | float | None = Field(
        description="the lecture's (D+1)^K, 1-D piecewise-linear; a float beyond 2^53")
    steps_per_second: float
    device: str


class PatchResult(BaseModel):
    run: Run
    applied: Literal["live", "rebuilt"]


class History(BaseModel):
    step: list[int]
    train_loss: list[float | None]
    test_loss: list[float | None]


class Split(BaseModel):
    x: list[list[float]] = Field(description="(N, inputs)")
    y: list[float] = Field(description="targets; class indices for classification")


class Data(BaseModel):
    task: Task
    inputs: int
    classes: int | None
    input_range: list[list[float]]
    train: Split
    test: Split


class Piece(BaseModel):
    x0: float
    x1: float
    slope: float
    intercept: float


class Piecewise(BaseModel):
    breakpoints: list[list[float]] = Field(description="per output: where its slope changes")
    region_count: int
    pieces: list[list[Piece]] = Field(description="per output")


class UnitLayer(BaseModel):
    pre: list[list[float]] = Field(description="per unit, at the function's x")
    post: list[list[float]]


class Units(BaseModel):
    layers: list[UnitLayer]
    weighted: list[list[float]] = Field(description="per last-layer unit: weight * activation")
    bias: float


class Baseline(BaseModel):
    beta0: float
    beta1: float
    rss: float


class Function1D(BaseModel):
    kind: Literal["1d"] = "1d"
    x: list[float] = Field(description="exact polyline abscissae")
    y: list[list[float]] = Field(description="per output, at x")
    probability: list[list[float]] | None = Field(description="sigmoid / softmax, per output")
    piecewise: Piecewise | None
    units: Units | None = Field(description="null beyond 32 units per layer")
    baseline: Baseline | None = Field(description="least-squares line, regression only")


class Function2D(BaseModel):
    kind: Literal["2d"] = "2d"
    x: list[float]
    y: list[float]
    z: list[list[float]] = Field(
        description="z[row=y][col=x]: output (regression), P(class 1) (binary), max P (multiclass)"
    )
    classes: list[list[int]] | None = Field(description="predicted class per grid point")
    regions: list[list[int]] | None = Field(description="activation-pattern region id")
    region_count: int | None


class DigitSample(BaseModel):
    pixels: list[float] = Field(description="64 values in [0, 1], row-major 8x8")
    label: int
    predicted: int


class FunctionDigits(BaseModel):
    kind: Literal["digits"] = "digits"
    confusion: list[list[int]] = Field(description="[label][predicted] counts on the test set")
    samples: list[DigitSample]


Function = Annotated[Function1D | Function2D | FunctionDigits, Field(discriminator="kind")]


class LayerWeights(BaseModel):
    weight: list[list[float]] = Field(description="(out, in), batch norm folded")
    bias: list[float]


class Weights(BaseModel):
    layers: list[LayerWeights]


class DatasetOption(BaseModel):
    name: str
    title: str
    group: str
    task: Task
    inputs: int
    outputs: int
    classes: int | None
    custom: bool
    input_range: list[list[float]]


class ActivationOption(BaseModel):
    name: str
    piecewise_linear: bool
    slopes: list[float] | None = Field(None, description="piecewise-linear: slope left and right "
                                                         "of 0 (equal: no bend, no kinks)")


class Limits(BaseModel):
    max_runs: int
    max_hidden_units: int
    max_depth: int
    max_points: int
    max_user_points: int
    max_steps_per_call: int
    max_step_cost: float
    frame_rate: float
    max_units_shown: int = Field(description="a function's `units` is null beyond this many "
                                             "hidden units per layer")


class Bounds(BaseModel):
    """The numbers one config field accepts: the schema's bounds within this server's limits."""

    minimum: float
    maximum: float
    exclusive_minimum: bool = False
    exclusive_maximum: bool = False


class Options(BaseModel):
    datasets: list[DatasetOption]
    activations: list[ActivationOption]
    optimizers: list[str]
    momentum_optimizers: list[str] = Field(description="the optimizers that read `momentum`")
    inits: list[str]
    limits: Limits
    bounds: dict[str, Bounds] = Field(description='per numeric config field, e.g. '
                                                  '"model.hidden_units"')
    defaults: RunConfig


class Health(BaseModel):
    status: Literal["ok", "stale"]
    device: str
    torch: str
    runs: int
    loop_age: float = Field(description="s since the training loop last completed a pass")


# Websocket, server -> client.
class Snapshot(BaseModel):
    type: Literal["snapshot"] = "snapshot"
    run: Run
    data: Data
    history: History
    function: Function | None = Field(description="null when diverged")


class Frame(BaseModel):
    type: Literal["frame"] = "frame"
    run: Run
    history: History = Field(description="points since the previous frame this client got")
    function: Function | None


class ErrorMessage(BaseModel):
    type: Literal["error"] = "error"
    message: str
    field: str | None = None


class Deleted(BaseModel):
    type: Literal["deleted"] = "deleted"


ServerMessage = Annotated[Snapshot | Frame | ErrorMessage | Deleted, Field(discriminator="type")]


# Websocket, client -> server.
class PlayMessage(Strict):
    type: Literal["play"]


class PauseMessage(Strict):
    type: Literal["pause"]


class StepMessage(Strict):
    type: Literal["step"]
    steps: int = Field(1, ge=1)


class ResetMessage(Strict):
    type: Literal["reset"]


class UpdateMessage(Strict):
    type: Literal["update"]
    config: RunConfigPatch


ClientMessage = Annotated[
    PlayMessage | PauseMessage | StepMessage | ResetMessage | UpdateMessage,
    Field(discriminator="type"),
]


class Problem(BaseModel):
    """Any 4xx other than 422."""

    detail: str


class ValidationErrorItem(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ValidationProblem(BaseModel):
    """A 422: which field (loc) is wrong and why."""

    detail: list[ValidationErrorItem]
