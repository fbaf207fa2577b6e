"""WS /api/runs/{id}/stream: a snapshot, then frames; play/pause/step/reset/update from the client.

Per connection a receiver (validated client messages) and a sender waiting on a latest-only slot.
Never awaits a client from the training thread; a slow client drops frames, it never queues them.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated

from fastapi import APIRouter, Depends, WebSocket, WebSocketDisconnect
from pydantic import TypeAdapter, ValidationError

from server.deps import get_scheduler
from server.errors import ApiError
from server.scheduler import Scheduler
from server.schemas import ClientMessage, StepMessage, UpdateMessage
from server.settings import Settings, get_settings
from server.slot import Slot, dumps

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/runs", tags=["stream"])
CLIENT_MESSAGE = TypeAdapter(ClientMessage)
MAX_MESSAGE_BYTES = 1_000_000


def error_message(message: str, field: str | None = None) -> bytes:
    return dumps({"type": "error", "message": message, "field": field})


@router.websocket("/{run_id}/stream")
async def stream(websocket: WebSocket, run_id: str,
                 scheduler: Annotated[Scheduler, Depends(get_scheduler)],
                 settings: Annotated[Settings, Depends(get_settings)]) -> None:
    await websocket.accept()
    slot = Slot()
    try:
        await scheduler.call(scheduler.op_subscribe, run_id, slot)
    except ApiError as error:
        await websocket.send_bytes(error_message(error.message, error.field))
        await websocket.close(code=4404 if error.status == 404 else 1011)
        return
    sender = asyncio.create_task(_send(websocket, slot, scheduler, run_id))
    receiver = asyncio.create_task(_receive(websocket, slot, scheduler, run_id, settings))
    try:
        await asyncio.wait({sender, receiver}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (sender, receiver):
            task.cancel()
        await asyncio.gather(sender, receiver, return_exceptions=True)
        try:
            await scheduler.call(scheduler.op_unsubscribe, run_id, slot)
        except ApiError:
            pass  # the server is shutting down
        if not slot.closed:
            try:
                await websocket.close()
            except RuntimeError:
                pass  # already closed by the client


async def _send(websocket: WebSocket, slot: Slot, scheduler: Scheduler, run_id: str) -> None:
    """Wait on the slot, send what is there (text frames), until the slot closes."""
    while True:
        await slot.event.wait()
        for message in slot.take():
            await websocket.send_text(message.decode())
        if slot.needs_snapshot:  # the client fell too far behind for deltas: resynchronise
            slot.needs_snapshot = False
            await scheduler.call(scheduler.resnapshot_by_id, run_id, slot)
        if slot.closed and not slot.event.is_set():
            await websocket.close(code=1000)
            return


async def _receive(websocket: WebSocket, slot: Slot, scheduler: Scheduler, run_id: str,
                   settings: Settings) -> None:
    """Validate and apply client messages; a bad one gets an `error`, the connection stays."""
    while True:
        try:
            text = await websocket.receive_text()
        except (WebSocketDisconnect, KeyError, RuntimeError):
            return  # KeyError / RuntimeError: a binary frame or a closed socket
        if len(text) > MAX_MESSAGE_BYTES:
            slot.offer_notice(error_message("message too large", None))
            continue
        try:
            message = CLIENT_MESSAGE.validate_json(text)
        except ValidationError as error:
            first = error.errors()[0]
            field = ".".join(str(part) for part in first["loc"]) or None
            if first["type"].startswith("union_tag"):
                field = "type"
            slot.offer_notice(error_message(first["msg"], field))
            continue
        try:
            await _apply(message, scheduler, run_id, settings)
        except ApiError as error:
            slot.offer_notice(error_message(error.message, error.field))
            if error.status == 404:
                return


async def _apply(message, scheduler: Scheduler, run_id: str, settings: Settings) -> None:
    if message.type == "play":
        await scheduler.call(scheduler.op_play, run_id, False)
    elif message.type == "pause":
        await scheduler.call(scheduler.op_pause, run_id)
    elif message.type == "reset":
        await scheduler.call(scheduler.op_reset, run_id)
    elif isinstance(message, StepMessage):
        await scheduler.call(scheduler.op_train, run_id, message.steps, False)
    elif isinstance(message, UpdateMessage):
        await scheduler.call(scheduler.op_patch, run_id, message.config)
