"""A run on the wire: the Run, the result of a PATCH, its history, data and weights."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from server.names import MAX_DEPTH
from server.schemas.config import RunConfig, Strict

Task = Literal["regression", "binary", "multiclass"]


class Parent(BaseModel):
    """A fork's origin."""

    id: str
    step: int


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
    accuracy: float | None = Field(description="test-set accuracy; classification only, null "
                                   "without a test set")
    train_accuracy: float | None = Field(None, description="training-set accuracy")
    task: Task
    loss: Literal["mse", "bce", "cross_entropy"]
    inputs: int
    outputs: int
    parameter_count: int
    lecture_parameter_count: int | None = Field(
        description="1 input, 1 output, every layer the same width, no features only")
    linear_regions: int | None = Field(description="piecewise-linear activations, 1-D/2-D input")
    region_bound: int | float | None = Field(
        description="most linear regions (see region_bound_kind); null with input features; "
                    "a float beyond 2^53")
    steps_per_second: float
    device: str
    # pace, bounds and counts (DESIGN.md "Watching it learn ...")
    pace: float | None = Field(None, description="the cap on steps per second of the last play; "
                               "null: as fast as it goes")
    region_bound_kind: Literal["lecture", "zaslavsky"] | None = Field(
        None, description="lecture: (D+1)^K, 1 input; zaslavsky: sum_{j<=2} C(D, j), 2 inputs "
                          "and at most one hidden layer")
    parameter_terms: list[list[int]] = Field(
        default_factory=list, description="[fan_in, fan_out] per Linear: parameter_count = sum "
                                          "(fan_in + 1) * fan_out + batch_norm_parameters")
    batch_norm_parameters: int = Field(0, description="gamma and beta of every normalised unit")
    title: str | None = Field(None, description="the name its user gave it (PATCH `title`); "
                              "null: unnamed")
    parent: Parent | None = Field(None, description="a fork's origin: the run and the step it "
                                  "was copied at; null for a run made from a config or a file")



class PatchResult(BaseModel):
    run: Run
    applied: Literal["none", "live", "data", "rebuilt"] = Field(
        description="live: weights kept; data: new custom points, weights kept; rebuilt: back "
                    "to step 0 from the seeds")


class History(BaseModel):
    step: list[int]
    train_loss: list[float | None]
    test_loss: list[float | None]


class Split(BaseModel):
    x: list[list[float]] = Field(description="(N, inputs)")
    y: list[float] | list[list[float]] = Field(
        description="targets (N,); (N, outputs) rows for more than one output; class indices "
                    "for classification")


class Data(BaseModel):
    task: Task
    inputs: int
    classes: int | None
    input_range: list[list[float]]
    train: Split
    test: Split


class LayerWeights(BaseModel):
    weight: list[list[float]] = Field(description="(out, in), batch norm folded")
    bias: list[float]


class Weights(BaseModel):
    layers: list[LayerWeights]


# Pace and weights by hand.
StepsPerSecond = Annotated[float, Field(ge=0.1, le=1e5, description="a cap on the training "
                                        "rate; null: as fast as it goes")]


class PlayRequest(Strict):
    steps_per_second: StepsPerSecond | None = None


class LayerWeightsInput(Strict):
    weight: list[list[float]] = Field(description="(fan_out, fan_in)")
    bias: list[float] = Field(description="(fan_out,)")


class WeightsInput(Strict):
    """PUT .../weights: the shape GET .../weights answers, one layer per Linear, input first."""

    layers: list[LayerWeightsInput] = Field(min_length=1, max_length=MAX_DEPTH + 1)


class WeightsResult(BaseModel):
    run: Run
    optimizer_reset: bool = Field(description="always true: the optimizer state starts afresh")


MAX_LOOKUP = 50  # the page remembers at most this many runs


class RunLookup(Strict):
    ids: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        max_length=MAX_LOOKUP, description="run ids, e.g. those a browser remembers")


class RunList(BaseModel):
    runs: list[Run] = Field(description="the runs this server has among `ids`, in their order")
    missing: list[str] = Field(description="the ids it does not know (deleted or expired)")
