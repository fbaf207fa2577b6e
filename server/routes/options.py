"""GET /api/options: what a client may choose (datasets, activations, ...) and this server's limits.

Static for the life of the process; built from the engine's registries and the settings.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from models.activations import ACTIVATIONS
from models.datasets import DATASETS
from server.names import FEATURES, INIT_NAMES, MAX_USER_POINTS, OPTIMIZER_NAMES
from server.schemas import ActivationOption, DatasetOption, Limits, Options, RunConfig
from server.schemas.options import FeatureOption
from server.settings import Settings, get_settings

router = APIRouter(prefix="/api", tags=["options"])


@router.get("/options", response_model=Options)
def options(settings: Annotated[Settings, Depends(get_settings)]) -> Options:
    datasets = [
        DatasetOption(name=info.name, title=info.title, group=info.group, task=info.task,
                      inputs=info.inputs, outputs=info.outputs, classes=info.classes,
                      custom=info.custom, input_range=[list(pair) for pair in info.input_range])
        for info in DATASETS.values()
    ]
    activations = [ActivationOption(name=a.name, piecewise_linear=a.piecewise_linear)
                   for a in ACTIVATIONS.values()]
    limits = Limits(
        max_runs=settings.max_runs, max_hidden_units=settings.max_hidden_units,
        max_depth=settings.max_depth, max_points=settings.max_points,
        max_user_points=min(MAX_USER_POINTS, settings.max_points),
        max_steps_per_call=settings.max_steps_per_call, max_step_cost=settings.max_step_cost,
        frame_rate=settings.frame_rate)
    features = [FeatureOption(name=f.name, inputs=inputs, formula=f.formula)
                for inputs, table in FEATURES.items() for f in table.values()]
    return Options(datasets=datasets, activations=activations, optimizers=list(OPTIMIZER_NAMES),
                   inits=list(INIT_NAMES), limits=limits, defaults=RunConfig(),
                   features=features)
