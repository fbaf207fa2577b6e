"""GET /api/options: what a client may choose (datasets, activations, ...) and this server's limits.

Static for the life of the process; built from the engine's registries and the settings.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from models.activations import ACTIVATIONS
from models.datasets import DATASETS
from models.pictures import MAX_UNITS_SHOWN
from server.names import FEATURES, INIT_NAMES, MAX_USER_POINTS, OPTIMIZER_NAMES
from server.schemas import (
    ActivationOption,
    Bounds,
    DatasetOption,
    DatasetSpec,
    Limits,
    ModelSpec,
    Options,
    RunConfig,
    TrainingSpec,
)
from server.schemas.options import FeatureOption
from server.settings import Settings, get_settings

router = APIRouter(prefix="/api", tags=["options"])

# The optimizers whose update reads `momentum` (models.engine.TrainingConfig: Adam has its own
# betas, plain SGD none). tests/test_contract.py holds this equal to what the engine does.
MOMENTUM_OPTIMIZERS = ("momentum",)
RULES = (("ge", "minimum", False), ("gt", "minimum", True), ("le", "maximum", False),
         ("lt", "maximum", True))


def field_bounds(settings: Settings) -> dict[str, Bounds]:
    """Every numeric config field's bounds (dotted name), tightened by this server's limits."""
    limits = {"model.hidden_units": settings.max_hidden_units, "model.depth": settings.max_depth,
              "dataset.n_points": settings.max_points, "training.batch_size": settings.max_points}
    bounds = {}
    for section, spec in (("dataset", DatasetSpec), ("model", ModelSpec),
                          ("training", TrainingSpec)):
        for name, info in spec.model_fields.items():
            found: dict = {}
            for rule in info.metadata:  # pydantic keeps Field(ge=..., lt=...) as Ge, Lt, ...
                for attribute, side, exclusive in RULES:
                    if getattr(rule, attribute, None) is not None:
                        found[side] = getattr(rule, attribute)
                        found[f"exclusive_{side}"] = exclusive
            if "minimum" not in found or "maximum" not in found:
                continue
            key = f"{section}.{name}"
            if key in limits and limits[key] < found["maximum"]:
                found.update(maximum=limits[key], exclusive_maximum=False)
            bounds[key] = Bounds(**found)
    # hidden_units is one width or a list of them: the bounds of each width
    bounds["model.hidden_units"] = Bounds(minimum=1, maximum=settings.max_hidden_units,
                                          exclusive_minimum=False, exclusive_maximum=False)
    return bounds


@router.get("/options", response_model=Options)
def options(settings: Annotated[Settings, Depends(get_settings)]) -> Options:
    datasets = [
        DatasetOption(name=info.name, title=info.title, group=info.group, task=info.task,
                      inputs=info.inputs, outputs=info.outputs, classes=info.classes,
                      custom=info.custom, input_range=[list(pair) for pair in info.input_range])
        for info in DATASETS.values()
    ]
    activations = [ActivationOption(name=a.name, piecewise_linear=a.piecewise_linear,
                                    slopes=list(a.slopes) if a.slopes is not None else None)
                   for a in ACTIVATIONS.values()]
    limits = Limits(
        max_runs=settings.max_runs, max_hidden_units=settings.max_hidden_units,
        max_depth=settings.max_depth, max_points=settings.max_points,
        max_user_points=min(MAX_USER_POINTS, settings.max_points),
        max_steps_per_call=settings.max_steps_per_call, max_step_cost=settings.max_step_cost,
        frame_rate=settings.frame_rate, max_units_shown=MAX_UNITS_SHOWN)
    features = [FeatureOption(name=f.name, inputs=inputs, formula=f.formula)
                for inputs, table in FEATURES.items() for f in table.values()]
    return Options(datasets=datasets, activations=activations, optimizers=list(OPTIMIZER_NAMES),
                   momentum_optimizers=[name for name in OPTIMIZER_NAMES
                                        if name in MOMENTUM_OPTIMIZERS],
                   inits=list(INIT_NAMES), limits=limits, bounds=field_bounds(settings),
                   defaults=RunConfig(), features=features)
