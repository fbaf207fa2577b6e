"""The run config on the wire: every field with its default and its bounds, the partial
config of PATCH and `update`, and the train request. Inputs: strict, no NaN, no unknown field."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    WrapValidator,
    create_model,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from server.names import (
    ACTIVATION_NAMES,
    DATASET_DEFAULTS,
    DATASET_INPUTS,
    DATASET_NAMES,
    FEATURE_NAMES,
    FEATURES,
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
FeatureName = Literal[FEATURE_NAMES]  # type: ignore[valid-type]
Seed = Annotated[int, Field(ge=0, le=2**31 - 1)]
Coordinate = Annotated[float, Field(ge=USER_POINT_RANGE[0], le=USER_POINT_RANGE[1])]


MAX_TITLE = 100


def _plain_title(title: str) -> str:
    if any(ord(char) < 32 or ord(char) == 127 for char in title):
        raise PydanticCustomError("title", "a title has no control characters (tabs, newlines)")
    return title.strip()


Title = Annotated[str, Field(max_length=MAX_TITLE), AfterValidator(_plain_title)]


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


def field_error(title: str, loc: tuple[str, ...], message: str, value: Any) -> ValidationError:
    """A validation error at `loc` (a field, not the model that found it), in our own words."""
    error = PydanticCustomError("value_error", message)  # type: ignore[arg-type]
    return ValidationError.from_exception_data(
        title, [InitErrorDetails(type=error, loc=loc, input=value)])


def _one_union_error(value: Any, handler: Any) -> Any:
    """An int or a list: report the error of the form that was sent, at the field itself (a
    union's errors would name both of its members)."""
    try:
        return handler(value)
    except ValidationError as error:
        sent_list = isinstance(value, list)
        for item in error.errors():
            if str(item["loc"][0]).startswith("list") == sent_list:
                where = "".join(f"[{part}]" for part in item["loc"][1:])
                message = f"hidden_units{where}: {item['msg']}" if where else item["msg"]
                raise PydanticCustomError("value_error", "{message}",  # type: ignore[arg-type]
                                          {"message": message}) from None
        raise


Width = Annotated[int, Field(ge=1, le=MAX_HIDDEN_UNITS)]
HiddenUnits = Annotated[
    Width | Annotated[list[Width], Field(min_length=1, max_length=MAX_DEPTH)],
    WrapValidator(_one_union_error)]


class ModelSpec(Strict):
    hidden_units: HiddenUnits = Field(
        MODEL_DEFAULTS.hidden_units,
        description="units of every hidden layer, or a list of one width per hidden layer "
                    "(exactly `depth` of them; equal widths are stored as one number)")
    depth: int = Field(MODEL_DEFAULTS.depth, ge=0, le=MAX_DEPTH, description="0: a linear model")
    activation: ActivationName = MODEL_DEFAULTS.activation
    init: InitName = MODEL_DEFAULTS.init
    dropout: float = Field(MODEL_DEFAULTS.dropout, ge=0, lt=1)
    batch_norm: bool = MODEL_DEFAULTS.batch_norm
    features: list[FeatureName] = Field(
        default_factory=list, max_length=len(FEATURE_NAMES),
        description="extra input columns (GET /api/options `features`) for the dataset's number "
                    "of inputs; any order, stored sorted")

    @field_validator("features")
    @classmethod
    def _sorted_once(cls, features: list[str]) -> list[str]:
        if len(set(features)) != len(features):
            raise ValueError("features must not name a feature twice")
        return sorted(features)

    @model_validator(mode="after")
    def _one_width_per_layer(self) -> ModelSpec:
        units = self.hidden_units
        if isinstance(units, list) and len(units) != self.depth:
            raise field_error("ModelSpec", ("hidden_units",),
                              f"hidden_units lists {len(units)} width(s) but depth is "
                              f"{self.depth}: give one width per hidden layer, or one number "
                              "for all", units)
        return self


class TrainingSpec(Strict):
    optimizer: OptimizerName = TRAINING_DEFAULTS.optimizer
    learning_rate: float = Field(TRAINING_DEFAULTS.learning_rate, gt=0, le=10)
    momentum: float = Field(TRAINING_DEFAULTS.momentum, ge=0, le=0.999)
    weight_decay: float = Field(TRAINING_DEFAULTS.weight_decay, ge=0, le=1)
    l1: float = Field(TRAINING_DEFAULTS.l1, ge=0, le=1,
                      description="the penalty l1 * sum |weights| added to the loss (live)")
    batch_size: int | None = Field(TRAINING_DEFAULTS.batch_size, ge=1, le=N_POINTS_RANGE[1],
                                   description="null: full batch")
    seed: Seed = TRAINING_DEFAULTS.seed


class RunConfig(Strict):
    """A run's experiment config; `{}` is the default playground."""

    dataset: DatasetSpec = Field(default_factory=DatasetSpec)
    model: ModelSpec = Field(default_factory=ModelSpec)
    training: TrainingSpec = Field(default_factory=TrainingSpec)

    @model_validator(mode="after")
    def _features_fit_the_dataset(self) -> RunConfig:
        inputs = DATASET_INPUTS[self.dataset.name]
        allowed = FEATURES.get(inputs, {})
        for name in self.model.features:
            if name not in allowed:
                raise field_error("RunConfig", ("model", "features"),
                                  f"feature {name!r} does not exist for dataset "
                                  f"{self.dataset.name!r} ({inputs} input(s)); choose from: "
                                  f"{', '.join(allowed) or 'none'}", self.model.features)
        return self


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
    title: Title | None = Field(None, description="the run's name in \"My runs\" (at most "
                                f"{MAX_TITLE} characters; \"\" or null: unnamed); changes "
                                "nothing else")


class TrainRequest(Strict):
    steps: int = Field(100, ge=1, description="at most the server's max_steps_per_call")
