"""The live gradient statistics' cost (GET /api/runs/{id}/gradients: models/inspect.py's float64
step summarised by models/gradstats.py): the summary alone for a few nets, and what polling it
4 times a second (the card's most) costs a playing run: its steps per second with and without
the polling, alternated in the same process (the issue's goal: under 10%). Figures, not pass/fail.
"""

from __future__ import annotations

import statistics
import threading
import time
from functools import partial

import torch
from fastapi.testclient import TestClient

from models.configs import RunConfig, TrainingConfig
from models.datasets import DATASETS, DatasetConfig
from models.engine import Trainer
from models.gradstats import layer_statistics
from models.inspect import inspect_step
from models.network import ModelConfig
from server.app import create_app
from server.settings import Settings

REPEATS = 30
WINDOW = 3.0  # seconds per measurement of a playing run
POLL = 0.25  # s between two polls: the card asks at most 4 times a second
CASES = [("1-16-1, 200 points, full batch", "sine", 250, {"hidden_units": 16}, None),
         ("1-16x8-1, 80 points (lesson)", "sine", 100, {"hidden_units": 16, "depth": 8}, None),
         ("2-64-64-1, batch 32", "circle", 400, {"hidden_units": 64, "depth": 2}, 32)]
PLAYED = {"dataset": {"name": "sine", "n_points": 100},
          "model": {"hidden_units": 16, "depth": 8},
          "training": {"learning_rate": 0.02}}


def median_ms(function) -> float:
    function()
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def summary(trainer: Trainer) -> None:
    group = trainer.group
    layer_statistics(inspect_step(group.export_run(Trainer.RUN_ID), group.dataset(Trainer.RUN_ID)))


def summary_figures() -> None:
    torch.set_num_threads(1)
    print(f"{'net':34s} {'summary ms':>10s}")
    for name, dataset, n_points, model, batch in CASES:
        info = DATASETS[dataset]
        config = RunConfig(DatasetConfig(name=dataset, n_points=n_points),
                           ModelConfig(inputs=info.inputs, outputs=info.outputs, **model),
                           TrainingConfig(batch_size=batch))
        trainer = Trainer(config, device="cpu")
        trainer.step(20)
        print(f"{name:34s} {median_ms(partial(summary, trainer)):10.1f}")


def steps_per_second(client: TestClient, run_id: str, polling: bool) -> float:
    stop = threading.Event()

    def poll() -> None:
        while not stop.wait(POLL):
            client.get(f"/api/runs/{run_id}/gradients").raise_for_status()

    poller = threading.Thread(target=poll, daemon=True)
    if polling:
        poller.start()
    first = client.get(f"/api/runs/{run_id}").json()["step"]
    start = time.perf_counter()
    time.sleep(WINDOW)
    last = client.get(f"/api/runs/{run_id}").json()["step"]
    elapsed = time.perf_counter() - start
    stop.set()
    if polling:
        poller.join()
    return (last - first) / elapsed


def playing_figures() -> None:
    settings = Settings(device="cpu", allowed_hosts=("testserver",))
    with TestClient(create_app(settings)) as client:
        run_id = client.post("/api/runs", json=PLAYED).json()["id"]
        client.post(f"/api/runs/{run_id}/play")
        time.sleep(1.0)  # warm
        rates: dict[bool, list[float]] = {False: [], True: []}
        for polling in (False, True, False, True, False, True):
            rates[polling].append(steps_per_second(client, run_id, polling))
        client.post(f"/api/runs/{run_id}/pause")
    plain, polled = (statistics.median(rates[flag]) for flag in (False, True))
    print(f"playing 1-16x8-1 on 80 points, {WINDOW:.0f} s windows alternated 3 times each:")
    print(f"  without polling: {plain:8.0f} steps/s (windows: "
          f"{', '.join(f'{r:.0f}' for r in rates[False])})")
    print(f"  polled 4x/s:     {polled:8.0f} steps/s (windows: "
          f"{', '.join(f'{r:.0f}' for r in rates[True])})")
    print(f"  cost of the live statistics: {100 * (1 - polled / plain):.1f}% of its steps/s")


def main() -> None:
    summary_figures()
    playing_figures()


if __name__ == "__main__":
    main()
