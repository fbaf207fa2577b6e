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


class Options(BaseModel):
    datasets: list[DatasetOption]
    activations: list[ActivationOption]
    optimizers: list[str]
    inits: list[str]
    limits: Limits
    defaults: RunConfig
    features: list[FeatureOption] = Field(
        default_factory=list, description="model.features a dataset with `inputs` inputs may use")


class Health(BaseModel):
    status: Literal["ok", "stale"]
    device: str
    torch: str
    runs: int
    loop_age: float = Field(description="s since the training loop last completed a pass")
