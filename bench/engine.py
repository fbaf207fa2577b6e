"""Engine speed: steps/s of RunGroup against the student's loop (models/loop.py), and aggregate
run-steps/s for groups of many runs. Prints a table; asserts nothing (`python -m bench.engine`)."""

from __future__ import annotations

import sys
import time

import torch

from models.datasets import DatasetConfig
from models.engine import RunConfig, RunGroup, TrainingConfig
from models.loop import Loop
from models.network import ModelConfig

SECONDS = 1.0  # wall time per measurement
WINDOWS = 5  # the figure is the best of this many windows
POINTS = 250  # 200 training points at the default train fraction of 0.8
LEARNING_RATE = {"sgd": 0.05, "adam": 0.005}


def run_config(hidden: list[int], optimizer: str, batch_size: int | None,
               seed: int = 0) -> RunConfig:
    """Sine regression, 200 training points, `hidden` ReLU layers of equal width."""
    training = TrainingConfig(optimizer=optimizer, learning_rate=LEARNING_RATE[optimizer],
                              batch_size=batch_size, seed=seed)
    return RunConfig(DatasetConfig(name="sine", n_points=POINTS),
                     ModelConfig(hidden_units=hidden[0], depth=len(hidden)), training)


def naive_steps_per_second(hidden: list[int], optimizer: str, batch_size: int | None) -> float:
    """The student's loop (models/loop.py): MLP, zero_grad, backward, step; one batch per step."""
    loop = Loop(run_config(hidden, optimizer, batch_size))
    return _rate(loop.step, 1)


def engine_group(hidden: list[int], optimizer: str, batch_size: int | None,
                 runs: int) -> RunGroup:
    first = run_config(hidden, optimizer, batch_size)
    group = RunGroup(first.model, optimizer, "cpu", eval_every=10)
    for index in range(runs):
        group.add(f"run{index}", run_config(hidden, optimizer, batch_size, seed=index))
    return group


def engine_steps_per_second(hidden: list[int], optimizer: str, batch_size: int | None,
                            runs: int = 1) -> float:
    """Group steps per second (multiply by `runs` for run-steps per second)."""
    group = engine_group(hidden, optimizer, batch_size, runs)
    chunk = max(5, min(50, 1280 // runs))
    rate = _rate(lambda: group.step(chunk), chunk)
    group.statuses()  # the one host transfer, outside the timed loop as in the server
    group.drain_history()
    return rate


def _rate(function, steps_per_call: int) -> float:
    """Best rate over WINDOWS windows: other processes on a shared machine only slow it down."""
    function()  # warm-up
    best = 0.0
    for _ in range(WINDOWS):
        calls, start = 0, time.perf_counter()
        while True:
            function()
            calls += 1
            elapsed = time.perf_counter() - start
            if elapsed >= SECONDS / WINDOWS:
                break
        best = max(best, calls * steps_per_call / elapsed)
    return best


def main() -> None:
    torch.set_num_threads(1)
    out = sys.stdout
    out.write(f"torch {torch.__version__}, 1 thread, CPU; sine regression, 200 training points, "
              f"MSE; best of {WINDOWS} windows "
              f"in {SECONDS:.1f} s per figure\n\n")
    out.write(f"{'network':<16} {'optimizer':<9} {'batch':>5} {'naive steps/s':>14} "
              f"{'engine steps/s':>15} {'ratio':>6}\n")
    naive_rates = {}
    for hidden, optimizer, batch in [([16], "sgd", None), ([16], "adam", None),
                                     ([16], "sgd", 32), ([16], "adam", 32),
                                     ([64, 64, 64], "sgd", None), ([64, 64, 64], "adam", None)]:
        naive = naive_steps_per_second(hidden, optimizer, batch)
        engine = engine_steps_per_second(hidden, optimizer, batch)
        naive_rates[(tuple(hidden), optimizer, batch)] = naive
        name = "-".join(str(w) for w in [1, *hidden, 1])
        out.write(f"{name:<16} {optimizer:<9} {batch or 'full':>5} {naive:>14,.0f} "
                  f"{engine:>15,.0f} {engine / naive:>6.2f}\n")
        out.flush()
    out.write(f"\n1-16-1 ReLU groups: aggregate run-steps/s (ratio = against one naive loop)\n"
              f"{'optimizer':<9} {'batch':>5} {'runs':>5} {'group steps/s':>14} "
              f"{'run-steps/s':>12} {'ratio':>7}\n")
    for optimizer, batch in [("sgd", None), ("adam", 32)]:
        naive = naive_rates[((16,), optimizer, batch)]
        for runs in (1, 8, 64, 256):
            rate = engine_steps_per_second([16], optimizer, batch, runs)
            out.write(f"{optimizer:<9} {batch or 'full':>5} {runs:>5} {rate:>14,.0f} "
                      f"{rate * runs:>12,.0f} {rate * runs / naive:>7.1f}\n")
            out.flush()


if __name__ == "__main__":
    main()
