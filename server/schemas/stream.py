"""The websocket messages: server -> client (snapshot, frame, error, deleted, weights_set) and
client -> server (play, pause, step, reset, update, set_weights), each a union on `type`."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from server.names import MAX_DEPTH
from server.schemas.config import RunConfigPatch, Strict
from server.schemas.functions import Function
from server.schemas.runs import Data, History, LayerWeightsInput, Run, StepsPerSecond


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


class WeightsSet(BaseModel):
    """Someone set the run's weights by hand; a frame with their function follows at once."""

    type: Literal["weights_set"] = "weights_set"
    step: int
    optimizer_reset: bool
    message: str


ServerMessage = Annotated[Snapshot | Frame | ErrorMessage | Deleted | WeightsSet,
                          Field(discriminator="type")]


# Websocket, client -> server.
class PlayMessage(Strict):
    type: Literal["play"]
    steps_per_second: StepsPerSecond | None = None


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


class SetWeightsMessage(Strict):
    type: Literal["set_weights"]
    layers: list[LayerWeightsInput] = Field(min_length=1, max_length=MAX_DEPTH + 1)


ClientMessage = Annotated[
    PlayMessage | PauseMessage | StepMessage | ResetMessage | UpdateMessage | SetWeightsMessage,
    Field(discriminator="type"),
]
