"""GET /api/health: is the training loop alive, on which device, how many runs. Reads only;
never waits for the training thread (a wedged thread must not wedge its own health check)."""

from __future__ import annotations

import torch
from fastapi import APIRouter, Response

from server.deps import SettingsDep, TrainingDep
from server.responses import json_response
from server.schemas import Health

router = APIRouter(prefix="/api", tags=["health"])


@router.get("/health", response_model=Health,
            responses={503: {"model": Health, "description": "the training loop is stuck"}})
def health(training: TrainingDep, settings: SettingsDep) -> Response:
    """`ok` while the training loop completes passes; 503 `stale` when it has not for
    health_timeout seconds (the container's HEALTHCHECK then marks it unhealthy)."""
    age = training.loop_age
    stale = age > settings.health_timeout
    body = Health(status="stale" if stale else "ok", device=training.device,
                  torch=torch.__version__, runs=training.run_count, loop_age=round(age, 3))
    return json_response(body.model_dump(), 503 if stale else 200)
