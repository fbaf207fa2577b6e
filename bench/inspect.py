"""What the step inspector costs: POST /api/runs/{id}/inspect round trips for a 1-16-1 ReLU net on
200 points (160 train in one full batch) against a live server (its own process, as the page
sees it), with a finite-difference check and without, then the float64 step alone in-process
(models/inspect.py). The issue's goal: a round trip under 50 ms. Figures, not pass/fail.
"""

from __future__ import annotations

import os
import statistics
import time
import urllib.request

import orjson
import torch

from models.datasets import DatasetConfig
from models.engine import RunConfig, RunGroup, TrainingConfig
from models.inspect import inspect_step
from models.network import ModelConfig
from tests.live_server import live_server

REPEATS = int(os.environ.get("BENCH_REPEATS", "40"))
CONFIG = {"dataset": {"name": "sine", "n_points": 200}, "model": {"hidden_units": 16}}


def post(url: str, body: dict | None = None) -> bytes:
    request = urllib.request.Request(url, data=orjson.dumps(body or {}), method="POST",
                                     headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read()


def timed(function) -> tuple[float, float, int]:
    """Median and 90th percentile ms of REPEATS calls (after 3 warm-ups), and the last size."""
    for _ in range(3):
        function()
    times, size = [], 0
    for _ in range(REPEATS):
        start = time.perf_counter()
        result = function()
        size = len(result) if isinstance(result, bytes) else 0
        times.append(1000 * (time.perf_counter() - start))
    times.sort()
    return statistics.median(times), times[int(0.9 * (len(times) - 1))], size


def main() -> None:
    with live_server() as server:
        run_id = orjson.loads(post(f"{server.url}/api/runs", CONFIG))["id"]
        post(f"{server.url}/api/runs/{run_id}/train", {"steps": 50})
        url = f"{server.url}/api/runs/{run_id}/inspect"
        check = {"check": {"layer": 0, "row": 3, "column": 0}}
        for name, body in [("inspect", None), ("inspect + check", check), ("inspect", None)]:
            median, p90, size = timed(lambda body=body: post(url, body))
            print(f"1-16-1 on 200 points  {name:16s} round trip {median:6.2f} ms median, "
                  f"{p90:6.2f} ms p90, {size / 1024:6.1f} KB")
    torch.set_num_threads(1)
    config = RunConfig(DatasetConfig(n_points=200), ModelConfig(hidden_units=16), TrainingConfig())
    group = RunGroup(config.model, config.training.optimizer)
    group.add("run", config)
    group.step(50)
    median, p90, _ = timed(lambda: inspect_step(group.export_run("run"), group.dataset("run")))
    print(f"1-16-1 on 200 points  export + float64 step alone {median:6.2f} ms median, "
          f"{p90:6.2f} ms p90")
