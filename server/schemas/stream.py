"""The websocket messages: server -> client (snapshot, frame, error, deleted) and client ->
server (play, pause, step, reset, update), each a union on `type`."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from server.schemas.config import RunConfigPatch, Strict
from server.schemas.functions import Function
from server.schemas.runs import Data, History, Run


# Websocket, server -> client.
class Snapshot(BaseModel):
    type: Literal["snapshot"] = "snapshot"
    run: Run
    data: Data
    history: History
    function: Function | None = Field(description="null when diverged")


class Frame(BaseModel):
    type: Literal["frame"] = "frame"
    run: Run
    history: History = Field(description="points since the previous frame this client got")
    function: Function | None


class ErrorMessage(BaseModel):
    type: Literal["error"] = "error"
    message: str
    field: str | None = None


class Deleted(BaseModel):
    type: Literal["deleted"] = "deleted"


ServerMessage = Annotated[Snapshot | Frame | ErrorMessage | Deleted, Field(discriminator="type")]


# Websocket, client -> server.
class PlayMessage(Strict):
    type: Literal["play"]


class PauseMessage(Strict):
    type: Literal["pause"]


class StepMessage(Strict):
    type: Literal["step"]
    steps: int = Field(1, ge=1)


class ResetMessage(Strict):
    type: Literal["reset"]


class UpdateMessage(Strict):
    type: Literal["update"]
    config: RunConfigPatch


ClientMessage = Annotated[
    PlayMessage | PauseMessage | StepMessage | ResetMessage | UpdateMessage,
    Field(discriminator="type"),
]
