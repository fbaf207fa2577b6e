"""The network diagram on the wire: each layer's weights (or its strongest edges), batch norm and
the units dropout dropped, and the 2-D unit thumbnails with their joint lines (DESIGN.md "Wire")."""

from __future__ import annotations

from pydantic import BaseModel, Field

Plane = list[list[float]]  # rows follow y, columns follow x


class Edges(BaseModel):
    to: list[int] = Field(description="unit of this layer (row of W)")
    source: list[int] = Field(alias="from", description="unit of the layer before or input "
                              "(column of W)")
    weight: list[float] = Field(description="by |weight| descending")


class LayerDiagram(BaseModel):
    weight: list[list[float]] | None = Field(
        description="(fan_out, fan_in), batch norm folded; null above 32 units either side")
    bias: list[float] | None = Field(description="null above 32 units in this layer")
    strongest: Edges | None = Field(description="the 64 edges of largest |w| when weight is null")


class Network(BaseModel):
    widths: list[int] = Field(description="inputs, each hidden layer's units, outputs")
    summary: bool = Field(description="some layer is shown by its strongest edges only")
    layers: list[LayerDiagram] = Field(description="one per Linear, input first")
    batch_norm: list[bool] = Field(description="per hidden layer: BatchNorm1d after its Linear")
    dropout: float
    dropped: list[list[int]] | None = Field(
        description="per hidden layer, the units dropout zeroed in the last update for the first "
                    "example of its batch; null without dropout or at step 0")


class UnitPlanes(BaseModel):
    pre: list[Plane] = Field(description="per unit")
    post: list[Plane] = Field(description="per unit")


class Units2D(BaseModel):
    x: list[float]
    y: list[float]
    layers: list[UnitPlanes] = Field(description="per hidden layer")
    weighted: list[list[Plane]] = Field(description="per output, per last-layer unit: "
                                        "output weight * activation")
    bias: list[float] = Field(description="per output")
    output: list[Plane] = Field(description="per output: the raw output (a logit if classes)")
    lines: list[list[list[float]] | None] | None = Field(
        description="per first-layer unit: [[x0, y0], [x1, y1]] of its joint line in the square, "
                    "or null; null for smooth activations and depth 0")
