"""What routes depend on, as annotated aliases: the training thread (the only door to the engine:
`await training.call(training.runs.play, run_id)`) and the settings. Reads app.state only."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from starlette.requests import HTTPConnection

from server.settings import Settings, get_settings
from server.training import Training


def get_training(connection: HTTPConnection) -> Training:
    return connection.app.state.training


TrainingDep = Annotated[Training, Depends(get_training)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
