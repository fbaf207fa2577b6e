"""What a client may choose and this server allows (GET /api/options), and its health."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from server.schemas.config import RunConfig
from server.schemas.runs import Task


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


class FeatureOption(BaseModel):
    name: str
    inputs: int = Field(description="the number of inputs of the datasets it fits")
    formula: str


class Limits(BaseModel):
    max_runs: int
    max_hidden_units: int = Field(description="per hidden layer")
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
    features: list[FeatureOption] = Field(
        default_factory=list, description="model.features a dataset with `inputs` inputs may use")


class Health(BaseModel):
    status: Literal["ok", "stale"]
    device: str
    torch: str
    runs: int
    loop_age: float = Field(description="s since the training loop last completed a pass")
