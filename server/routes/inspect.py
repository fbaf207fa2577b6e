"""REST for the step inspector: POST /api/runs/{id}/inspect opens up the run's next training
step (server/inspecting.py); committing it is POST /api/runs/{id}/train with steps 1. GET
/api/runs/{id}/gradients summarises that step per layer, live (server/gradients.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Response

from server import gradients, inspecting
from server.deps import TrainingDep
from server.responses import CONFLICT, INVALID, MALFORMED, NOT_FOUND, json_response
from server.routes.runs import RunId
from server.schemas.inspect import Gradients, Inspection, InspectRequest

router = APIRouter(prefix="/api/runs", tags=["runs"], responses=MALFORMED)


@router.post("/{run_id}/inspect", response_model=Inspection,
             responses={**NOT_FOUND, **CONFLICT, **INVALID})
async def inspect_run(run_id: RunId, training: TrainingDep,
                      request: Annotated[InspectRequest | None, Body()] = None) -> Response:
    """The next step of a paused run in float64: its batch, forward, losses, backward and
    update; `check` adds one weight's gradient by finite differences. 409 while it trains, for
    a diverged or failed run and for batch norm or dropout. Nothing changes."""
    check = request.check if request is not None else None
    return json_response(await training.call(inspecting.inspect, training.runs.registry,
                                             run_id, check))


@router.get("/{run_id}/gradients", response_model=Gradients, responses={**NOT_FOUND, **CONFLICT})
async def run_gradients(run_id: RunId, training: TrainingDep) -> Response:
    """Per layer, for the step the run takes next: the norms of the weights, the gradient and
    the update, the spread and histograms of the activations and of dL/df, dead units. Read
    while it plays, too. 409 for a diverged or failed run, batch norm or dropout."""
    return json_response(await training.call(gradients.gradients, training.runs.registry,
                                             run_id))
