"""The loss landscape of a run (GET /api/runs/{id}/landscape), on the training thread.

The path: each run's record keeps a thinned `models.landscape.Trajectory` of its weights (at most
TRAJECTORY_LIMIT points), added to on every frame the run gets (Publishing) and on every landscape
request; a run trained only over REST with nobody watching records a point per request. The
grid costs (grid points) x (parameters) x (training points) multiply-adds on the training thread:
above MAX_LANDSCAPE_COST a request is refused (422 naming `size`) and the default size shrinks.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from models.configs import ADAM_BETAS, ADAM_EPS
from models.landscape import is_two_parameter, landscape, training_arrays
from models.network import parameter_count
from server import bridge
from server.errors import ApiError
from server.records import RunRecord
from server.schemas.landscape import DEFAULT_SIZE, MIN_SIZE

MAX_LANDSCAPE_COST = 4e9  # multiply-adds of one grid: about a second of one core at worst
LABELS = {"parameters": ["beta_0", "beta_1"], "random": ["direction 1", "direction 2"],
          "pca": ["principal direction 1", "principal direction 2"]}


def grid_cost(record: RunRecord, size: int, points: int) -> float:
    return float(size * size) * parameter_count(record.config.model) * points


def landscape_view(runs: Any, run_id: str, directions: str | None, size: int | None,
                   span: float, seed: int) -> dict[str, Any]:
    """The wire Landscape (server/schemas/landscape.py) of the run now; `runs` is the RunService.
    directions None: the parameters themselves for a two-parameter net, else random ones."""
    record = runs.registry.get(run_id)
    if record.error:
        raise ApiError(409, f"the run failed: {record.error}", "status")
    group = runs.registry.group(record)
    record.status = group.statuses([run_id])[run_id]
    if record.diverged:
        raise ApiError(409, "the run diverged: its loss is not finite", "status")
    layers = group.layers([run_id])[run_id]
    dataset = runs.registry.dataset(record)
    x, target = training_arrays(dataset, record.config.model)
    size = fitting_size(record, size, len(x))
    if directions is None:
        directions = "parameters" if is_two_parameter(layers) else "random"
    record.trajectory.add(record.status.step, layers)
    try:
        result = landscape(record.config.model, layers, x, target, dataset.info.task, directions,
                           size, span, seed, record.trajectory)
    except ValueError as error:
        status = 409 if directions == "pca" else 422
        raise ApiError(status, str(error), "directions") from None
    return {
        "kind": result.kind, "step": record.status.step, "labels": LABELS[result.kind],
        "directions": [bridge.weights_view(d) for d in result.directions],
        "x": result.xs, "y": result.ys, "loss": result.loss.astype(np.float32),
        "centre": list(result.origin), "centre_loss": result.centre_loss,
        "slope": result.slope,
        "path": {"step": result.path_steps, "x": result.path[:, 0], "y": result.path[:, 1]},
        "optimizer": optimizer_view(group, run_id, record) if result.kind == "parameters" else None,
    }


def fitting_size(record: RunRecord, size: int | None, points: int) -> int:
    """The asked size if it fits MAX_LANDSCAPE_COST (else 422), or the largest default that does."""
    if size is not None:
        if grid_cost(record, size, points) > MAX_LANDSCAPE_COST:
            raise ApiError(422, f"a {size} x {size} landscape of this network on {points} points "
                                f"is over this server's limit ({MAX_LANDSCAPE_COST:.3g} "
                                "multiply-adds); ask for a smaller size", "size")
        return size
    fits = math.isqrt(int(MAX_LANDSCAPE_COST / max(1.0, grid_cost(record, 1, points))))
    size = min(DEFAULT_SIZE, fits - (fits + 1) % 2)  # odd: the centre is a grid point
    if size < MIN_SIZE:
        raise ApiError(422, "this network and data are too large for a landscape on this server",
                       "size")
    return size


def optimizer_view(group: Any, run_id: str, record: RunRecord) -> dict[str, Any]:
    """The optimizer's state in (beta_0, beta_1) of a two-parameter net (flat order: W, b)."""
    training = record.config.training
    state = group.export_run(run_id)
    order = [1, 0]  # (beta_0, beta_1) = (b, W)
    tensors = {name: value.double().cpu().numpy()[order]
               for name, value in state.optimizer_state.items()}
    velocity = mean = scale = None
    if training.optimizer == "momentum" and "momentum_buffer" in tensors:
        velocity = tensors["momentum_buffer"]
    t = state.step - state.optimizer_origin
    if training.optimizer == "adam" and t > 0 and "exp_avg" in tensors:
        mean = tensors["exp_avg"] / (1.0 - ADAM_BETAS[0] ** t)
        v_hat = tensors["exp_avg_sq"] / (1.0 - ADAM_BETAS[1] ** t)
        scale = training.learning_rate / (np.sqrt(v_hat) + ADAM_EPS)
    return {"name": training.optimizer, "learning_rate": training.learning_rate,
            "velocity": velocity, "adam_mean": mean, "adam_scale": scale}
