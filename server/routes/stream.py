"""WS /api/runs/{id}/stream: a snapshot, then frames; play/pause/step/reset/update/set_weights from
the client.

Per connection a receiver (reads and validates client messages as they arrive, into a bounded
mailbox), an applier (applies them in order through the training) and a sender waiting on a
latest-only slot. Never awaits a client from the training thread; a slow client drops frames, a
greedy one gets its updates merged and its surplus refused, and nothing it sent outlives it.
"""

from __future__ import annotations

import asyncio
import logging

from fastapi import APIRouter, WebSocket
from pydantic import TypeAdapter, ValidationError
from starlette.websockets import WebSocketDisconnect, WebSocketDisconnected, WebSocketState

from server.deps import TrainingDep
from server.errors import ApiError
from server.mailbox import Mailbox
from server.schemas import (
    ClientMessage,
    PlayMessage,
    SetWeightsMessage,
    StepMessage,
    UpdateMessage,
)
from server.slot import Slot, dumps
from server.training import Training

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/runs", tags=["stream"])
CLIENT_MESSAGE = TypeAdapter(ClientMessage)
MAX_MESSAGE_BYTES = 1_000_000
MIN_RETRY_SECONDS = 0.05  # a 429's retry_after of ~0 must not make the applier spin


def error_message(message: str, field: str | None = None) -> bytes:
    return dumps({"type": "error", "message": message, "field": field})


@router.websocket("/{run_id}/stream")
async def stream(websocket: WebSocket, run_id: str,
                 training: TrainingDep) -> None:
    await websocket.accept()
    slot = Slot()
    if not await _subscribe(websocket, slot, training, run_id):
        return
    mailbox = Mailbox()
    tasks = {asyncio.create_task(_send(websocket, slot, training, run_id)),
             asyncio.create_task(_receive(websocket, slot, mailbox)),
             asyncio.create_task(_apply_all(mailbox, slot, training, run_id))}
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:  # no await here: when the server cancels this task, it must end at once
        dropped = mailbox.close()  # sent but not applied yet: never applied
        for task in tasks:
            task.cancel()  # the applier's command, if not started on the thread, is dropped too
        training.post(training.watching.unsubscribe, run_id, slot)
    await asyncio.wait(tasks)  # not gather: its cancellation confuses anyio scopes
    if dropped:
        log.debug("run %s: %d commands dropped with their connection", run_id, dropped)
    _report(tasks)
    if not slot.closed and websocket.client_state == WebSocketState.CONNECTED:
        try:
            await websocket.close()
        except Exception:  # noqa: BLE001 - the client went away meanwhile
            log.debug("close after disconnect", exc_info=True)


async def _subscribe(websocket: WebSocket, slot: Slot, training: Training,
                     run_id: str) -> bool:
    """Subscribe fully or not at all: on any failure the subscription is undone (the thread may
    have added the slot before failing), the client gets an `error` and the socket is closed."""
    try:
        await training.call(training.watching.subscribe, run_id, slot)
        return True
    except ApiError as error:
        message, field = error.message, error.field
        code = 4404 if error.status == 404 else 1011
    except asyncio.CancelledError:  # the server is stopping or the task was cancelled
        training.post(training.watching.unsubscribe, run_id, slot)
        raise
    except Exception:  # noqa: BLE001 - a bug below must not leave a watcher behind
        log.exception("run %s: subscribing failed", run_id)
        message, field, code = "the server could not start this stream", None, 1011
    training.post(training.watching.unsubscribe, run_id, slot)
    try:
        await websocket.send_text(error_message(message, field).decode())
        await websocket.close(code=code)
    except Exception:  # noqa: BLE001 - the client went away meanwhile
        log.debug("error after a failed subscribe", exc_info=True)
    return False


def _report(tasks: set[asyncio.Task]) -> None:
    """Retrieve what the connection's tasks raised: a client leaving is normal, the rest a bug."""
    for task in tasks:
        error = None if task.cancelled() else task.exception()
        if isinstance(error, (WebSocketDisconnect, WebSocketDisconnected, OSError, ApiError)):
            log.debug("stream task ended: %r", error)  # the client left, or the thread stopped
        elif error is not None:
            log.error("stream task failed", exc_info=error)


async def _send(websocket: WebSocket, slot: Slot, training: Training, run_id: str) -> None:
    """Wait on the slot, send what is there (text frames), until the slot closes."""
    requested = False
    while True:
        await slot.event.wait()
        for message in slot.take():
            await websocket.send_text(message.decode())
        if slot.needs_snapshot and not requested:  # fell too far behind for deltas: resync
            requested = True
            await training.call(training.watching.resnapshot_for, run_id, slot)
        requested = requested and slot.needs_snapshot
        if slot.closed and not slot.event.is_set():
            await websocket.close(code=1000)
            return


async def _receive(websocket: WebSocket, slot: Slot, mailbox: Mailbox) -> None:
    """Read client messages as they arrive and queue the valid ones; a bad one, or one beyond
    the mailbox's bound, gets an `error` and the connection stays. Never waits on the thread."""
    while True:
        received = await websocket.receive()
        if received["type"] == "websocket.disconnect":
            return
        message = _parse(received, slot)
        if message is not None and not mailbox.put(message):
            slot.offer_notice(error_message(
                f"too many commands waiting (at most {mailbox.limit}): this one was dropped"))


def _parse(received: dict, slot: Slot) -> ClientMessage | None:
    """The validated message, or None after offering the client an `error`."""
    text = received.get("text")
    if text is None:  # a binary frame: accept UTF-8 JSON, refuse anything else
        try:
            text = (received.get("bytes") or b"").decode()
        except UnicodeDecodeError:
            slot.offer_notice(error_message("messages must be UTF-8 JSON text", None))
            return None
    if len(text) > MAX_MESSAGE_BYTES:
        slot.offer_notice(error_message("message too large", None))
        return None
    try:
        return CLIENT_MESSAGE.validate_json(text)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or None
        if first["type"].startswith("union_tag"):
            field = "type"
        slot.offer_notice(error_message(first["msg"], field))
        return None


async def _apply_all(mailbox: Mailbox, slot: Slot, training: Training, run_id: str) -> None:
    """Apply the mailbox's commands one at a time, in order. An update refused for a while (429
    with retry_after: the run's rebuild rate cap) waits that long and then goes in as the
    latest update, merged with those that came meanwhile; other refusals become `error`s."""
    while (message := await mailbox.get()) is not None:
        try:
            await _apply(message, training, run_id)
        except ApiError as error:
            if (error.status == 429 and error.retry_after is not None
                    and isinstance(message, UpdateMessage)):
                mailbox.retry_first(message)
                await asyncio.sleep(max(error.retry_after, MIN_RETRY_SECONDS))
                continue
            slot.offer_notice(error_message(error.message, error.field))
            if error.status == 404:
                return


async def _apply(message: ClientMessage, training: Training, run_id: str) -> None:
    if isinstance(message, PlayMessage):
        await training.call(training.runs.play, run_id, message.steps_per_second)
    elif message.type == "pause":
        await training.call(training.runs.pause, run_id)
    elif message.type == "reset":
        await training.call(training.runs.reset, run_id)
    elif isinstance(message, StepMessage):
        await training.call(training.runs.train, run_id, message.steps, False)
    elif isinstance(message, UpdateMessage):
        await training.call(training.runs.patch, run_id, message.config)
    elif isinstance(message, SetWeightsMessage):
        await training.call(training.runs.set_weights, run_id, message.layers)
