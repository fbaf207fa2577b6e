"""REST for runs: create, read, change, train, play (at a pace), delete, read a run's history,
data, function, weights and checkpoint, and set its weights. Every call goes through the
scheduler thread; no tensor here."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Body, Path, Request, Response

from server import titles
from server.deps import SettingsDep, TrainingDep
from server.errors import ApiError
from server.responses import CONFLICT, INVALID, LIMITS, MALFORMED, NOT_FOUND, json_response
from server.schemas import (
    Data,
    Function,
    History,
    PatchResult,
    PlayRequest,
    Problem,
    Run,
    RunConfig,
    RunConfigPatch,
    RunList,
    RunLookup,
    TrainRequest,
    Weights,
    WeightsInput,
    WeightsResult,
)

router = APIRouter(prefix="/api/runs", tags=["runs"], responses=MALFORMED)
RunId = Annotated[str, Path(min_length=1, max_length=64, description="from POST /api/runs")]
BINARY = {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}


def client_address(request: Request) -> str:
    """Who asks, for the per-client budgets (behind a proxy: the address it forwards)."""
    return request.client.host if request.client else ""


@router.post("", response_model=Run, status_code=201, responses=LIMITS)
async def create_run(request: Request, training: TrainingDep,
                     config: Annotated[RunConfig | None, Body()] = None) -> Response:
    run = await training.call(training.runs.create, config or RunConfig(),
                               client_address(request))
    return json_response(run, 201)


@router.post("/import", response_model=Run, status_code=201,
             responses={**LIMITS, **INVALID,
                        413: {"model": Problem, "description": "over max_upload_bytes"}},
             openapi_extra={"requestBody": {"content": BINARY, "required": True}})
async def import_run(request: Request, training: TrainingDep,
                     settings: SettingsDep) -> Response:
    """A checkpoint file from GET /api/runs/{id}/checkpoint becomes a new run (no pickle)."""
    limit = settings.max_upload_bytes
    if int(request.headers.get("content-length") or 0) > limit:
        raise ApiError(413, f"checkpoint over max_upload_bytes = {limit}", "body")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(413, f"checkpoint over max_upload_bytes = {limit}", "body")
        chunks.append(chunk)
    run = await training.call(training.runs.import_file, b"".join(chunks), client_address(request))
    return json_response(run, 201)


@router.post("/lookup", response_model=RunList)
async def lookup_runs(lookup: RunLookup, training: TrainingDep) -> Response:
    """Which of these runs this server has ("My runs"): ids go in the body, never in a URL."""
    return json_response(await training.call(titles.lookup, training.runs.get, lookup.ids))


@router.post("/{run_id}/fork", response_model=Run, status_code=201,
             responses={**NOT_FOUND, **LIMITS, **CONFLICT})
async def fork_run(run_id: RunId, request: Request, training: TrainingDep) -> Response:
    """A new run that continues from this run's state now; the original goes on unchanged."""
    run = await training.call(training.runs.fork, run_id, client_address(request))
    return json_response(run, 201)


@router.get("/{run_id}", response_model=Run, responses=NOT_FOUND)
async def get_run(run_id: RunId, training: TrainingDep) -> Response:
    return json_response(await training.call(training.runs.get, run_id))


@router.patch("/{run_id}", response_model=PatchResult, responses={**NOT_FOUND, **LIMITS})
async def patch_run(run_id: RunId, patch: RunConfigPatch, training: TrainingDep) -> Response:
    """Training hyperparameters apply live; a new dataset, model or seed rebuilds and resets."""
    return json_response(await training.call(training.runs.patch, run_id, patch))


@router.delete("/{run_id}", status_code=204, responses=NOT_FOUND)
async def delete_run(run_id: RunId, training: TrainingDep) -> Response:
    await training.call(training.runs.delete, run_id)
    return Response(status_code=204)


@router.post("/{run_id}/train", response_model=Run,
             responses={**NOT_FOUND, **CONFLICT, **LIMITS})
async def train_run(run_id: RunId, request: TrainRequest, training: TrainingDep) -> Response:
    """Train `steps` steps (at most max_steps_per_call) and answer when they are done."""
    done = await training.call(training.runs.train, run_id, request.steps)
    return json_response(await asyncio.wrap_future(done))


@router.post("/{run_id}/play", response_model=Run,
             responses={**NOT_FOUND, **CONFLICT, **LIMITS})
async def play_run(run_id: RunId, training: TrainingDep,
                   request: Annotated[PlayRequest | None, Body()] = None) -> Response:
    """Train continuously until paused, or until nobody watched it or asked about it for
    idle_timeout seconds; at most `steps_per_second` (no body or null: as fast as it goes)."""
    pace = request.steps_per_second if request is not None else None
    return json_response(await training.call(training.runs.play, run_id, pace))


@router.post("/{run_id}/pause", response_model=Run, responses=NOT_FOUND)
async def pause_run(run_id: RunId, training: TrainingDep) -> Response:
    return json_response(await training.call(training.runs.pause, run_id))


@router.post("/{run_id}/reset", response_model=Run, responses=NOT_FOUND)
async def reset_run(run_id: RunId, training: TrainingDep) -> Response:
    return json_response(await training.call(training.runs.reset, run_id))


@router.get("/{run_id}/history", response_model=History, responses=NOT_FOUND)
async def run_history(run_id: RunId, training: TrainingDep) -> Response:
    return json_response(await training.call(training.runs.history, run_id))


@router.get("/{run_id}/data", response_model=Data, responses=NOT_FOUND)
async def run_data(run_id: RunId, training: TrainingDep) -> Response:
    return json_response(await training.call(training.runs.data, run_id))


@router.get("/{run_id}/function", response_model=Function, responses={**NOT_FOUND, **CONFLICT})
async def run_function(run_id: RunId, training: TrainingDep) -> Response:
    return json_response(await training.call(training.runs.function, run_id))


@router.get("/{run_id}/weights", response_model=Weights, responses=NOT_FOUND)
async def run_weights(run_id: RunId, training: TrainingDep) -> Response:
    return json_response(await training.call(training.runs.weights, run_id))


@router.put("/{run_id}/weights", response_model=WeightsResult,
            responses={**NOT_FOUND, **CONFLICT, **INVALID})
async def set_run_weights(run_id: RunId, weights: WeightsInput, training: TrainingDep) -> Response:
    """Set every layer's weights and biases (the shape GET answers): the step is kept, the
    optimizer state starts afresh; 409 for a network with batch norm."""
    return json_response(await training.call(training.runs.set_weights, run_id, weights.layers))


@router.get("/{run_id}/checkpoint", response_class=Response,
            responses={200: {"content": BINARY, "description": "safetensors file"}, **NOT_FOUND})
async def run_checkpoint(run_id: RunId, training: TrainingDep) -> Response:
    data, filename = await training.call(training.runs.checkpoint, run_id)
    return Response(content=data, media_type="application/octet-stream",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
