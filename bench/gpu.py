"""GPU section of the benchmarks: the engine on CPU and, when present, CUDA.

Prints aggregate run-steps per second for groups of 1, 64, 256 and 1024 runs of the 1-16-1 ReLU net
and steps per second of a large net (1 -> 1024 x 3 -> 1 on 10,000 points). `python -m bench gpu`.
"""

from __future__ import annotations

import time

import torch

from models.datasets import DatasetConfig
from models.engine import RunConfig, RunGroup, TrainingConfig
from models.network import ModelConfig

GROUP_SIZES = (1, 64, 256, 1024)
SMALL = ModelConfig(inputs=1, outputs=1, hidden_units=16, depth=1, activation="relu")
LARGE = ModelConfig(inputs=1, outputs=1, hidden_units=1024, depth=3, activation="relu")


def run_config(model: ModelConfig, n_points: int, optimizer: str, seed: int) -> RunConfig:
    return RunConfig(
        dataset=DatasetConfig(name="sine", n_points=n_points, noise=0.1, seed=seed),
        model=model,
        training=TrainingConfig(optimizer=optimizer, learning_rate=0.01, batch_size=None,
                                seed=seed),
    )


def steps_per_second(group: RunGroup, budget: float) -> float:
    """Group steps per second, timed over about `budget` seconds (each try ends in a host sync)."""
    group.step(2)
    group.statuses()  # warm-up and sync
    steps, elapsed = 1, 0.0
    while elapsed < budget:
        start = time.perf_counter()
        group.step(steps)
        group.statuses()  # forces the device to finish
        elapsed = time.perf_counter() - start
        if elapsed < budget:
            steps *= 2
    return steps / elapsed


def build(model: ModelConfig, runs: int, n_points: int, optimizer: str, device: str) -> RunGroup:
    group = RunGroup(model, optimizer, device=device, eval_every=1000)
    for seed in range(runs):
        group.add(f"run{seed}", run_config(model, n_points, optimizer, seed))
    return group


def main() -> None:
    torch.set_num_threads(1)
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    if len(devices) == 1:
        print("CUDA is not available here: CPU figures only.")
    print(f"{'device':6} {'network':18} {'runs':>5} {'steps/s':>10} {'run-steps/s':>12}")
    for device in devices:
        for optimizer in ("sgd", "adam"):
            for runs in GROUP_SIZES:
                group = build(SMALL, runs, 200, optimizer, device)
                rate = steps_per_second(group, 0.5)
                print(f"{device:6} {'1-16-1 ' + optimizer:18} {runs:5d} {rate:10.0f} "
                      f"{rate * runs:12.0f}")
        group = build(LARGE, 1, 10_000, "adam", device)
        rate = steps_per_second(group, 2.0)
        print(f"{device:6} {'1-1024x3-1 adam':18} {1:5d} {rate:10.2f} {rate:12.2f}")


if __name__ == "__main__":
    main()
