"""GET /api/runs/{id}/landscape: the training loss on a 2-D slice through the run's weights
(models/landscape.py), the directions that span it and the optimizer's path projected on it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from server.schemas.runs import Weights

DirectionsName = Literal["random", "pca", "parameters"]
MIN_SIZE, MAX_SIZE, DEFAULT_SIZE = 5, 61, 41


class LandscapePath(BaseModel):
    step: list[int] = Field(description="the recorded steps, oldest first; the last is now")
    x: list[float] = Field(description="each point's coordinate along the first direction")
    y: list[float]


class LandscapeOptimizer(BaseModel):
    """The optimizer's state in the two parameters (parameter axes only), for arrows."""

    name: Literal["sgd", "momentum", "adam"]
    learning_rate: float
    velocity: list[float] | None = Field(description="momentum: the buffer v (x, y); the next "
                                         "step is -learning_rate (momentum v + g)")
    adam_mean: list[float] | None = Field(description="adam: m-hat, bias-corrected")
    adam_scale: list[float] | None = Field(description="adam: learning_rate / (sqrt(v-hat) + "
                                           "eps), each parameter's own step size")


class Landscape(BaseModel):
    kind: DirectionsName = Field(description="what spans the slice")
    step: int
    labels: list[str] = Field(description="the axes' names")
    directions: list[Weights] = Field(description="d_1 and d_2, shaped like GET .../weights")
    x: list[float] = Field(description="axis values along d_1: offsets from the current weights, "
                           "or beta_0 itself for parameter axes")
    y: list[float] = Field(description="axis values along d_2 (or beta_1)")
    loss: list[list[float | None]] = Field(description="(len(y), len(x)) training loss: row i is "
                                           "y[i], column j is x[j]; null where not finite")
    centre: list[float] = Field(description="the current weights' coordinates (x, y)")
    centre_loss: float = Field(description="the loss there: the run's current training loss")
    slope: list[float] = Field(description="dL/dx, dL/dy at the centre (the surface's gradient)")
    path: LandscapePath
    optimizer: LandscapeOptimizer | None = None
