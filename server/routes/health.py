"""GET /api/health: is the training loop alive, on which device, how many runs. Reads only;
never waits for the training thread (a wedged thread must not wedge its own health check)."""

from __future__ import annotations

from typing import Annotated

import torch
from fastapi import APIRouter, Depends, Response

from server.deps import get_scheduler
from server.responses import json_response
from server.scheduler import Scheduler
from server.schemas import Health
from server.settings import Settings, get_settings

router = APIRouter(prefix="/api", tags=["health"])


@router.get("/health", response_model=Health,
            responses={503: {"model": Health, "description": "the training loop is stuck"}})
def health(scheduler: Annotated[Scheduler, Depends(get_scheduler)],
           settings: Annotated[Settings, Depends(get_settings)]) -> Response:
    """`ok` while the training loop completes passes; 503 `stale` when it has not for
    health_timeout seconds (the container's HEALTHCHECK then marks it unhealthy)."""
    age = scheduler.loop_age
    stale = age > settings.health_timeout
    body = Health(status="stale" if stale else "ok", device=scheduler.device,
                  torch=torch.__version__, runs=scheduler.run_count, loop_age=round(age, 3))
    return json_response(body.model_dump(), 503 if stale else 200)
