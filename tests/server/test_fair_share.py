"""Fair shares of the training thread (server/slices.py): with a fake clock and a cost model, no
sockets; then through the real train phase over a real registry, the attack replayed small (the
same check with a live server and wall-clock frame rates is `python -m bench load`). Before, a
group stepped all its runs at least once per pass: 16 maximum-cost runs held every pass for a
quarter of a second and a classmate fell from 26.8 to 1.2 frames/s."""

from __future__ import annotations

from collections import Counter

import pytest

from server.schemas import RunConfig
from server.slices import Slices
from server.training import Training
from tests.server.conftest import small_settings

QUANTUM = 0.008


def simulate(groups: dict[str, tuple[int, float, float]], passes: int):
    """groups: name -> (runs, fixed seconds per step, seconds per run per step). Returns the
    seconds each group used, each run's steps and the longest single step call."""
    slices = Slices()
    used: Counter = Counter()
    steps: Counter = Counter()
    longest = 0.0
    for _ in range(passes):
        for name, (runs, fixed, per_run) in groups.items():
            members = [(name, index) for index in range(runs)]
            chunk, n = slices.plan(name, members, QUANTUM)
            if not chunk:
                continue
            seconds = n * (fixed + per_run * len(chunk))  # what the engine would take
            slices.book(name, len(chunk), n, seconds)
            used[name] += seconds
            longest = max(longest, seconds)
            for member in chunk:
                steps[member] += n
    return used, steps, longest


def test_every_group_gets_an_equal_share_of_time() -> None:
    groups = {"greedy": (16, 0.0005, 0.015), "light": (1, 0.0001, 0.00005),
              "class": (30, 0.0002, 0.00002)}
    used, _, _ = simulate(groups, 2000)
    total = sum(used.values())
    for name in groups:
        assert used[name] / total == pytest.approx(1 / 3, abs=0.05), used


def test_no_pass_is_held_much_longer_than_one_runs_step() -> None:
    _, _, longest = simulate({"greedy": (16, 0.0005, 0.015), "light": (1, 0.0001, 0.00005)},
                             500)
    assert longest <= 2 * (0.0005 + 0.015)  # before: all 16 at once, 0.24 s


def test_the_runs_of_a_chunked_group_take_turns() -> None:
    _, steps, _ = simulate({"greedy": (16, 0.0005, 0.015)}, 3000)
    counts = [steps[("greedy", index)] for index in range(16)]
    assert min(counts) > 0 and max(counts) - min(counts) <= max(counts) * 0.1


def test_a_cheap_group_steps_many_times_per_slice() -> None:
    _, steps, longest = simulate({"tiny": (4, 0.0001, 0.00001)}, 50)
    assert steps[("tiny", 0)] > 50 * 10 and longest <= 2 * QUANTUM


class FakeClock:
    """perf_counter for server.stepping: moves only when a (wrapped) group steps."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_training_thread_gives_a_classmate_half_beside_a_greedy_client(monkeypatch) -> None:
    """The same attack through the real train phase (server/stepping.py over a real registry):
    8 runs whose steps cost 15 ms each beside one cheap classmate. Steps are real; their cost
    comes from a model on a fake clock, so the test measures the scheduling, not this machine."""
    clock = FakeClock()
    monkeypatch.setattr("server.stepping.time.perf_counter", clock)
    training = Training(small_settings(max_runs=16, max_client_step_cost=1e12), "cpu")
    config = RunConfig.model_validate
    greedy = [training.runs.create(config({"model": {"hidden_units": 32}}), owner="greedy")
              for _ in range(8)]
    classmate = training.runs.create(config({}), owner="classmate")
    for run in [*greedy, classmate]:
        training.runs.play(run["id"])
    costs = {training.registry.get(greedy[0]["id"]).key: (0.0005, 0.015),
             training.registry.get(classmate["id"]).key: (0.0001, 0.00005)}
    used: Counter = Counter()
    longest = 0.0
    for key, group in training.registry.groups.items():
        fixed, per_run = costs[key]

        def step(n, run_ids, real=group.step, key=key, fixed=fixed, per_run=per_run):
            nonlocal longest
            real(n, run_ids)
            seconds = n * (fixed + per_run * len(run_ids))
            clock.now += seconds
            used[key] += seconds
            longest = max(longest, seconds)

        monkeypatch.setattr(group, "step", step)
    for _ in range(300):
        training.stepping.train(0.002, 1 / 30)
    greedy_key, classmate_key = costs
    assert used[classmate_key] / sum(used.values()) == pytest.approx(0.5, abs=0.05), used
    assert longest <= 2 * (0.0005 + 0.015)  # a pass is held for about one greedy run's step
    steps = [training.runs.get(run["id"])["step"] for run in greedy]
    assert min(steps) > 0 and max(steps) - min(steps) <= 0.2 * max(steps), steps
    assert training.runs.get(classmate["id"])["step"] > 100 * max(steps)
