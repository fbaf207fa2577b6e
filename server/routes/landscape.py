"""GET /api/runs/{id}/landscape: the loss on a 2-D slice through the run's weights and the path
the optimizer took (server/landscapes.py, on the training thread)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from server.deps import TrainingDep
from server.landscapes import landscape_view
from server.responses import CONFLICT, INVALID, NOT_FOUND, json_response
from server.routes.runs import RunId
from server.schemas.landscape import MAX_SIZE, MIN_SIZE, DirectionsName, Landscape

router = APIRouter(prefix="/api/runs", tags=["runs"])


@router.get("/{run_id}/landscape", response_model=Landscape,
            responses={**NOT_FOUND, **CONFLICT, **INVALID})
async def run_landscape(
        run_id: RunId, training: TrainingDep,
        directions: Annotated[DirectionsName | None, Query(
            description="random (filter-normalised, seeded), pca (the path's main directions) or "
                        "parameters (a two-parameter net's beta_0 and beta_1); default: "
                        "parameters for a two-parameter net, else random")] = None,
        size: Annotated[int | None, Query(ge=MIN_SIZE, le=MAX_SIZE, description="grid points "
                                          "per axis (default 41, less for large nets)")] = None,
        span: Annotated[float, Query(gt=0, le=100, description="the grid covers [-span, span] "
                                     "along each direction, widened to hold the path")] = 1.0,
        seed: Annotated[int, Query(ge=0, le=2**31 - 1, description="the random directions' "
                                   "seed")] = 0) -> Response:
    """The training loss at the current weights + a d_1 + b d_2 on a size x size grid of (a, b);
    at the centre it is the run's training loss. 409: diverged or failed, or pca without a path
    of three distinct points; 422: parameters for a net with more than two parameters."""
    return json_response(await training.call(landscape_view, training.runs, run_id, directions,
                                             size, span, seed))
