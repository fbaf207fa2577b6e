"""WS /api/runs/{id}/stream: a snapshot, then frames; play/pause/step/reset/update from the client.

Per connection a receiver (validated client messages) and a sender waiting on a latest-only slot.
Never awaits a client from the training thread; a slow client drops frames, it never queues them.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated

from fastapi import APIRouter, Depends, WebSocket
from pydantic import TypeAdapter, ValidationError
from starlette.websockets import WebSocketState

from server.deps import get_scheduler
from server.errors import ApiError
from server.scheduler import Scheduler
from server.schemas import ClientMessage, StepMessage, UpdateMessage
from server.slot import Slot, dumps

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/runs", tags=["stream"])
CLIENT_MESSAGE = TypeAdapter(ClientMessage)
MAX_MESSAGE_BYTES = 1_000_000


def error_message(message: str, field: str | None = None) -> bytes:
    return dumps({"type": "error", "message": message, "field": field})


@router.websocket("/{run_id}/stream")
async def stream(websocket: WebSocket, run_id: str,
                 scheduler: Annotated[Scheduler, Depends(get_scheduler)]) -> None:
    await websocket.accept()
    slot = Slot()
    if not await _subscribe(websocket, slot, scheduler, run_id):
        return
    sender = asyncio.create_task(_send(websocket, slot, scheduler, run_id))
    receiver = asyncio.create_task(_receive(websocket, slot, scheduler, run_id))
    try:
        await asyncio.wait({sender, receiver}, return_when=asyncio.FIRST_COMPLETED)
    finally:  # no await here: when the server cancels this task, it must end at once
        sender.cancel()
        receiver.cancel()
        scheduler.post(scheduler.op_unsubscribe, run_id, slot)
    await asyncio.wait({sender, receiver})  # not gather: its cancellation confuses anyio scopes
    if not slot.closed and websocket.client_state == WebSocketState.CONNECTED:
        try:
            await websocket.close()
        except Exception:  # noqa: BLE001 - the client went away meanwhile
            log.debug("close after disconnect", exc_info=True)


async def _subscribe(websocket: WebSocket, slot: Slot, scheduler: Scheduler,
                     run_id: str) -> bool:
    """Subscribe fully or not at all: on any failure the subscription is undone (the thread may
    have added the slot before failing), the client gets an `error` and the socket is closed."""
    try:
        await scheduler.call(scheduler.op_subscribe, run_id, slot)
        return True
    except ApiError as error:
        message, field = error.message, error.field
        code = 4404 if error.status == 404 else 1011
    except asyncio.CancelledError:  # the server is stopping or the task was cancelled
        scheduler.post(scheduler.op_unsubscribe, run_id, slot)
        raise
    except Exception:  # noqa: BLE001 - a bug below must not leave a watcher behind
        log.exception("run %s: subscribing failed", run_id)
        message, field, code = "the server could not start this stream", None, 1011
    scheduler.post(scheduler.op_unsubscribe, run_id, slot)
    try:
        await websocket.send_text(error_message(message, field).decode())
        await websocket.close(code=code)
    except Exception:  # noqa: BLE001 - the client went away meanwhile
        log.debug("error after a failed subscribe", exc_info=True)
    return False


async def _send(websocket: WebSocket, slot: Slot, scheduler: Scheduler, run_id: str) -> None:
    """Wait on the slot, send what is there (text frames), until the slot closes."""
    requested = False
    while True:
        await slot.event.wait()
        for message in slot.take():
            await websocket.send_text(message.decode())
        if slot.needs_snapshot and not requested:  # fell too far behind for deltas: resync
            requested = True
            await scheduler.call(scheduler.resnapshot_by_id, run_id, slot)
        requested = requested and slot.needs_snapshot
        if slot.closed and not slot.event.is_set():
            await websocket.close(code=1000)
            return


async def _receive(websocket: WebSocket, slot: Slot, scheduler: Scheduler, run_id: str) -> None:
    """Validate and apply client messages; a bad one gets an `error`, the connection stays."""
    while True:
        received = await websocket.receive()
        if received["type"] == "websocket.disconnect":
            return
        text = received.get("text")
        if text is None:  # a binary frame: accept UTF-8 JSON, refuse anything else
            try:
                text = (received.get("bytes") or b"").decode()
            except UnicodeDecodeError:
                slot.offer_notice(error_message("messages must be UTF-8 JSON text", None))
                continue
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
            await _apply(message, scheduler, run_id)
        except ApiError as error:
            slot.offer_notice(error_message(error.message, error.field))
            if error.status == 404:
                return


async def _apply(message, scheduler: Scheduler, run_id: str) -> None:
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
