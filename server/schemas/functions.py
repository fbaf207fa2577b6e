"""The fitted function on the wire: 1-D (exact pieces, unit panels), 2-D (grid, regions) and
digits (confusion matrix), a union on `kind`."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from server.schemas.diagram import Network, Units2D


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
    joints: list[float | None] | None = Field(
        None, description="shallow bending nets: each unit's joint x = -b/w (null outside)")


class Baseline(BaseModel):
    beta0: float
    beta1: float
    rss: float


class Function1D(BaseModel):
    kind: Literal["1d"] = "1d"
    x: list[float] = Field(description="exact polyline abscissae")
    y: list[list[float]] = Field(description="per output, at x")
    piecewise: Piecewise | None
    units: Units | None = Field(description="null beyond 32 units per layer")
    baseline: Baseline | None = Field(description="least-squares line, regression only")
    network: Network | None = Field(None, description="the diagram; null: unit pictures off")


class Polygon(BaseModel):
    vertices: list[list[float]] = Field(description="[x1, x2] counter-clockwise, convex")
    pattern: list[int] = Field(description="1: the hidden unit is on (pre-activation > 0) on "
                               "this region, layer by layer (first layer's units first)")


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
    polygons: list[Polygon] | None = Field(
        None, description="the exact linear regions (piecewise-linear nets without input "
        "features, at most `exact_regions_2d` grid regions, 120 by default); null otherwise")
    boundary: list[list[list[float]]] | None = Field(
        None, description="the exact decision boundary, segments [[x0, y0], [x1, y1]] "
        "(classification, when polygons are sent); null otherwise")
    units: Units2D | None = Field(None, description="every unit over a coarse grid")
    network: Network | None = Field(None, description="the diagram; null: unit pictures off")


class DigitSample(BaseModel):
    pixels: list[float] = Field(description="64 values in [0, 1], row-major 8x8")
    label: int
    predicted: int


class FunctionDigits(BaseModel):
    kind: Literal["digits"] = "digits"
    confusion: list[list[int]] = Field(description="[label][predicted] counts on the test set")
    samples: list[DigitSample]
    network: Network | None = Field(None, description="the diagram; null: unit pictures off")


Function = Annotated[Function1D | Function2D | FunctionDigits, Field(discriminator="kind")]
