"""GET /api/health: is the server up, on which device, how many runs. Reads; changes nothing."""

from __future__ import annotations

from typing import Annotated

import torch
from fastapi import APIRouter, Depends

from server.deps import get_scheduler
from server.scheduler import Scheduler
from server.schemas import Health

router = APIRouter(prefix="/api", tags=["health"])


@router.get("/health", response_model=Health)
def health(scheduler: Annotated[Scheduler, Depends(get_scheduler)]) -> Health:
    return Health(status="ok", device=scheduler.device, torch=torch.__version__,
                  runs=scheduler.run_count)
