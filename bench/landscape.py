"""The loss landscape's cost (models/landscape.py): the 41 x 41 grid of a 1-16-1 ReLU net on 200
training points as one batched float32 pass (the issue's goal: well under 50 ms), the whole
slice (directions, grid, centre, slope), larger nets and grids, and the REST round trip
GET /api/runs/{id}/landscape through the in-process app. Medians over repeats, one torch thread
and the default; figures, not pass/fail.
"""

from __future__ import annotations

import statistics
import time
from functools import partial

import numpy as np
import torch
from fastapi.testclient import TestClient

from models.configs import RunConfig, TrainingConfig
from models.datasets import DATASETS, DatasetConfig
from models.engine import Trainer
from models.landscape import (
    Trajectory,
    flatten,
    folded_model,
    landscape,
    loss_grid,
    random_directions,
    training_arrays,
)
from models.network import ModelConfig
from server.app import create_app
from server.settings import Settings

REPEATS = 30
DEFAULT_THREADS = torch.get_num_threads()
CASES = [("1-16-1, 200 points", "sine", 250, {"hidden_units": 16}, 41),
         ("1-16-1, 200 points", "sine", 250, {"hidden_units": 16}, 61),
         ("1-64-64-1, 200 points", "sine", 250, {"hidden_units": 64, "depth": 2}, 41),
         ("2-8-8-1 circle, 160 points", "circle", 200, {"hidden_units": 8, "depth": 2}, 41)]


def median_ms(function, repeats: int = REPEATS) -> float:
    function()  # warm
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def trained(dataset: str, n_points: int, model: dict) -> tuple[Trainer, Trajectory]:
    info = DATASETS[dataset]
    config = RunConfig(DatasetConfig(name=dataset, n_points=n_points),
                       ModelConfig(inputs=info.inputs, outputs=info.outputs, **model),
                       TrainingConfig())
    trainer, trajectory = Trainer(config, device="cpu"), Trajectory()
    for _ in range(20):
        trainer.step(10)
        trajectory.add(trainer.status().step, trainer.group.layers()[Trainer.RUN_ID])
    return trainer, trajectory


def engine_figures() -> None:
    print(f"{'net':28s} {'grid':>7s} {'threads':>7s} {'grid ms':>8s} {'slice ms':>9s}")
    for name, dataset, n_points, model, size in CASES:
        trainer, trajectory = trained(dataset, n_points, model)
        layers = trainer.group.layers()[Trainer.RUN_ID]
        x, target = training_arrays(trainer.group.dataset(Trainer.RUN_ID), trainer.config.model)
        task = DATASETS[dataset].task
        folded, centre = folded_model(trainer.config.model), flatten(layers)
        directions = random_directions(layers)
        offsets = np.linspace(-1, 1, size)
        for threads in sorted({1, DEFAULT_THREADS}):
            torch.set_num_threads(threads)
            grid = median_ms(partial(loss_grid, folded, centre, directions, offsets, offsets,
                                     x, target, task))
            whole = median_ms(partial(landscape, trainer.config.model, layers, x, target, task,
                                      "random", size, 1.0, 0, trajectory))
            print(f"{name:28s} {size:4d}^2 {threads:7d} {grid:8.1f} {whole:9.1f}")


def rest_figures() -> None:
    settings = Settings(device="cpu", allowed_hosts=("testserver",))
    with TestClient(create_app(settings)) as client:
        run = client.post("/api/runs", json={"dataset": {"name": "sine", "n_points": 250},
                                             "model": {"hidden_units": 16}}).json()
        url = f"/api/runs/{run['id']}/landscape"
        for _ in range(20):  # a path: one recorded point per request
            client.post(f"/api/runs/{run['id']}/train", json={"steps": 10})
            client.get(url, params={"size": 5})
        for query in ({"size": 41}, {"size": 41, "directions": "pca"}):
            ms = median_ms(partial(client.get, url, params=query))  # each one a 200, checked:
            response = client.get(url, params=query)
            response.raise_for_status()
            size = len(response.content)
            print(f"REST GET landscape {query}: {ms:.1f} ms median, {size / 1000:.0f} kB")


def main() -> None:
    engine_figures()
    rest_figures()


if __name__ == "__main__":
    main()
