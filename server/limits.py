"""This server's limits on a run's config (Settings: max_hidden_units per layer, max_depth,
max_points, max_step_cost) and the engine's own checks of user points, as 422s that name the field.

Applied once per request, to the engine config the request was converted to (bridge.py); the
wire schema has already checked types and the engine's own bounds. Only checks, never changes.
"""

from __future__ import annotations

from models.datasets import DATASETS, validate_points
from models.engine import RunConfig
from models.network import parameter_count
from server.errors import ApiError
from server.settings import Settings


def step_size(config: RunConfig) -> tuple[int, int]:
    """(parameters, points in one training step: the batch, or all training points)."""
    info = DATASETS[config.dataset.name]
    data = config.dataset
    n_points = len(data.points or ()) if info.custom else data.n_points
    batch = min(config.training.batch_size or n_points, n_points)
    return parameter_count(config.model), batch


def step_cost(config: RunConfig) -> float:
    """parameters x points of one training step: about what one step costs (the parameters
    follow each layer's width and the feature columns)."""
    parameters, batch = step_size(config)
    return float(parameters * batch)


def check(config: RunConfig, settings: Settings) -> None:
    """The config fits this server, or ApiError(422) naming the first field that does not."""
    units = config.model.hidden_units
    widest = max(units) if isinstance(units, tuple) else units  # the limit is per layer
    bounds = [
        ("model.hidden_units", widest, settings.max_hidden_units, "max_hidden_units"),
        ("model.depth", config.model.depth, settings.max_depth, "max_depth"),
        ("dataset.n_points", config.dataset.n_points, settings.max_points, "max_points"),
        ("dataset.points", len(config.dataset.points or ()), settings.max_points, "max_points"),
    ]
    for field, value, limit, name in bounds:
        if value > limit:
            shown = list(units) if field == "model.hidden_units" and value != units else value
            raise ApiError(422, f"{field} = {shown} is over this server's limit {name} = {limit}"
                           + (" (per layer)" if shown != value else ""), field)
    info = DATASETS[config.dataset.name]
    if info.custom:
        try:
            validate_points(info, config.dataset.points)
        except ValueError as error:
            raise ApiError(422, str(error), "dataset.points") from None
    parameters, batch = step_size(config)
    cost = parameters * batch
    if cost > settings.max_step_cost:  # one huge run would stall a classroom
        raise ApiError(422, f"this network and batch are too large for this server: "
                            f"{parameters:,} parameters x {batch:,} points per step = {cost:.3g}, "
                            f"over the limit max_step_cost = {settings.max_step_cost:.3g}; use "
                            "fewer hidden units or layers, fewer points or a smaller batch",
                       "model.hidden_units")
