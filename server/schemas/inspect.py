"""The step inspector's wire (POST /api/runs/{id}/inspect): one training step opened up, computed
in float64 by models/inspect.py. Matrices are nested lists, rows first, in the lecture's layout:
a layer's values are (units, batch), one column per example of the batch."""

from __future__ import annotations

from pydantic import BaseModel, Field

from server.schemas.config import MAX_DEPTH, Strict
from server.schemas.runs import Weights

Matrix = list[list[float]]


class WeightCheck(Strict):
    """One parameter to check by finite differences: Omega_layer[row, column], or beta_layer[row]
    when column is null. `layer` counts the Linears from 0 (the lecture's k - 1)."""

    layer: int = Field(ge=0, le=MAX_DEPTH)
    row: int = Field(ge=0)
    column: int | None = Field(None, ge=0, description="null: the bias of that row")


class InspectRequest(Strict):
    check: WeightCheck | None = Field(None, description="a weight to differentiate numerically")


class ParameterUpdate(BaseModel):
    gradient: Matrix | list[float] = Field(description="what the optimizer sees: dL/dtheta + "
                                           "l1 sign(theta) + weight_decay theta")
    change: Matrix | list[float] = Field(description="new - old: the step this parameter takes")
    velocity: Matrix | list[float] | None = Field(None, description="momentum: mu v + g")
    m_hat: Matrix | list[float] | None = Field(None, description="adam: bias-corrected mean")
    sqrt_v_hat: Matrix | list[float] | None = Field(None, description="adam: sqrt of the "
                                                    "bias-corrected second moment")


class LayerUpdate(BaseModel):
    weight: ParameterUpdate
    bias: ParameterUpdate


class InspectLayer(BaseModel):
    """Layer k = index + 1: f_k = beta_k + Omega_k h_{k-1}, h_k = a[f_k] (the output: f_K)."""

    weight: Matrix = Field(description="Omega_k (D_k, D_{k-1})")
    bias: list[float] = Field(description="beta_k (D_k,)")
    pre: Matrix = Field(description="f_k (D_k, B), stored for the backward pass")
    post: Matrix = Field(description="h_k = a[f_k] (D_k, B); the output layer: f_K")
    grad_post: Matrix | None = Field(description="dL/dh_k (D_k, B) from the layer above; "
                                     "null for the output layer")
    grad_pre: Matrix = Field(description="dL/df_k (D_k, B)")
    grad_weight: Matrix = Field(description="dL/dOmega_k = dL/df_k h_{k-1}^T")
    grad_bias: list[float] = Field(description="dL/dbeta_k: dL/df_k summed over the batch")
    grad_input: Matrix = Field(description="dL/dh_{k-1} = Omega_k^T dL/df_k (D_{k-1}, B)")
    update: LayerUpdate


class Preview(BaseModel):
    """The fitted function after this step (1-D data): the function's y at x (raw outputs)."""

    x: list[float]
    y: list[list[float]] = Field(description="one row per output")


class CheckResult(BaseModel):
    layer: int
    row: int
    column: int | None
    backprop: float
    finite_difference: float = Field(description="(L(theta + h) - L(theta - h)) / 2h, h = 1e-6")


class Inspection(BaseModel):
    step: int = Field(description="the run's step; committing (train 1 step) takes it to step+1")
    optimizer: str
    learning_rate: float
    adam_t: int | None = Field(description="Adam's update number t, else null")
    activation: str
    task: str
    indices: list[int] = Field(description="the batch: rows of the training set, in order")
    inputs: Matrix = Field(description="h_0 = x^T (D_0, B), features included")
    targets: Matrix = Field(description="(outputs, B); one-hot for multiclass")
    losses: list[float] = Field(description="each example's negative log-likelihood")
    loss: float = Field(description="their mean: the loss this step differentiates")
    penalty: float = Field(description="l1 sum |theta| + weight_decay / 2 sum theta^2")
    layers: list[InspectLayer]
    new_weights: Weights = Field(description="the weights after this step, as GET .../weights")
    preview: Preview | None = Field(description="null for data with more than one input")
    check: CheckResult | None


class Histogram(BaseModel):
    edges: list[float] = Field(description="bin edges (bins + 1), symmetric about 0, or from 0 "
                                           "for values never below 0")
    counts: list[int] = Field(description="values per bin")


class LayerGradients(BaseModel):
    """One layer (a Linear and its activation) on the batch of the next step; norms are over
    Omega_k and beta_k together."""

    name: str = Field(description="layer 1 ... layer K-1, output")
    shape: list[int] = Field(description="Omega_k's [D_k, D_{k-1}]")
    weight_norm: float
    grad_norm: float = Field(description="||dL/dtheta_k|| of the batch's mean loss")
    update_norm: float = Field(description="||change_k|| the optimizer makes this step")
    update_ratio: float | None = Field(description="update_norm / weight_norm (null: zero "
                                                   "weights)")
    pre_std: float = Field(description="spread of f_k over examples and units")
    post_std: float = Field(description="spread of h_k = a[f_k] (output: f_K)")
    grad_pre_std: float = Field(description="spread of dL/df_k")
    dead: float | None = Field(description="hidden layers: fraction of units whose activation "
                                           "is 0 for every example of the batch")
    post: Histogram = Field(description="h_k")
    grad_pre: Histogram = Field(description="dL/df_k")


class Gradients(BaseModel):
    """GET /api/runs/{id}/gradients: the next step's per-layer statistics, nothing changed."""

    step: int = Field(description="the run's step before this update")
    batch: int = Field(description="examples in the step's batch")
    loss: float = Field(description="the batch's mean loss")
    optimizer: str
    init: str
    layers: list[LayerGradients] = Field(description="input side first; the last is the output")
