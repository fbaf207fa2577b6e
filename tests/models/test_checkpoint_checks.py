"""Forged checkpoints: every tensor of a file is checked against the run's layout before it reaches
a group, and a bad file is a ValueError naming the problem while the group's other runs go on.

Each forgery replays a finding of the attack-minded review (float64 counters, a short optimiser
state, uneven or 2-D history, a step count of 2**63 - 1, a 1.3-million-point history).
"""


import numpy as np
import pytest
import torch

from models.engine import RunGroup
from models.engine.checkpoint import MAX_STEP, load_run, save_run
from models.engine.records import HISTORY_LIMIT
from tests.forgery import forge, tensors_of

from .conftest import run_config

CONFIG = run_config(n_points=40, optimizer="adam")


def honest_file(steps: int = 30) -> bytes:
    group = RunGroup(CONFIG.model, "adam", "cpu", eval_every=5)
    group.add("a", CONFIG)
    group.step(steps)
    return save_run(group.export_run("a"))


FORGERIES = {
    "float64 counters": (lambda t: {"counters": t["counters"].double()}, "counters must be int64"),
    "short optimizer state": (lambda t: {"optimizer__exp_avg": t["optimizer.exp_avg"][:-1]},
                              "optimizer.exp_avg must have shape"),
    "float64 parameters": (lambda t: {"parameters": t["parameters"].double()},
                           "parameters must be float32"),
    "uneven history": (lambda t: {"history__train_loss": t["history.train_loss"][:-1]},
                       "differ in length"),
    "2-D history": (lambda t: {"history__step": t["history.step"].reshape(1, -1)},
                    "must be a list of values"),
    "huge step": (lambda t: {"counters": torch.tensor([2**63 - 1, 0, 0, 0, 0])},
                  "step must be a whole number"),
    "negative step": (lambda t: {"counters": torch.tensor([-5, 0, 0, 0, 0])},
                      "step must be a whole number"),
    "origin after step": (lambda t: {"counters": torch.tensor([30, 40, 0, 0, 0])},
                          "optimizer_origin = 40 is after"),
    "diverged 7": (lambda t: {"counters": torch.tensor([30, 0, 0, 0, 7])}, "diverged must be"),
    "nan weights": (lambda t: {"parameters": torch.full_like(t["parameters"], float("nan"))},
                    "not finite"),
    "negative second moment": (lambda t: {"optimizer__exp_avg_sq": -t["optimizer.exp_avg_sq"]
                                          - 1.0}, "second moments"),
    "history beyond the step": (lambda t: {"history__step": t["history.step"] + 10**6},
                                "history steps must rise"),
    "infinite loss in history": (lambda t: {"history__test_loss": t["history.test_loss"]
                                            * float("inf")}, "finite"),
    "missing tensor": (lambda t: {"statistics": None}, "missing statistics"),
    "extra tensor": (lambda t: {"optimizer__momentum_buffer": t["parameters"]},
                     "unexpected optimizer.momentum_buffer"),
}


@pytest.mark.parametrize("name", sorted(FORGERIES))
def test_a_forged_file_is_refused_by_name(name: str) -> None:
    data = honest_file()
    change, message = FORGERIES[name]
    forged = forge(data, **change(tensors_of(data)))
    with pytest.raises(ValueError, match=message) as caught:
        load_run(forged)
    assert str(caught.value).startswith("not a run checkpoint")


def test_a_bad_state_leaves_the_group_untouched_and_its_runs_train() -> None:
    group = RunGroup(CONFIG.model, "adam", "cpu", eval_every=5)
    group.add("honest", CONFIG)
    state = load_run(honest_file())
    state.optimizer_state["exp_avg"] = state.optimizer_state["exp_avg"][:-3]
    with pytest.raises(ValueError, match="exp_avg"):
        group.import_run("forged", state)
    state.optimizer_state["exp_avg"] = torch.zeros(len(state.parameters), dtype=torch.float64)
    with pytest.raises(ValueError, match="float32"):
        group.import_run("forged", state)
    assert group.run_ids == ["honest"]
    group.step(10)  # before the checks, the group's arrays were retyped and this raised
    assert group.statuses()["honest"].step == 10
    assert group._host.step.dtype == np.int64  # noqa: SLF001 - the retyping was the bug


def test_a_huge_history_is_thinned_on_load() -> None:
    data = honest_file()
    points = 1_300_000
    steps = torch.arange(points, dtype=torch.int64)
    losses = torch.linspace(1.0, 0.1, points, dtype=torch.float64)
    forged = forge(data, history__step=steps, history__train_loss=losses,
                   history__test_loss=losses.clone(),
                   counters=torch.tensor([points, 0, 0, 0, 0]))
    state = load_run(forged)
    assert HISTORY_LIMIT // 2 < len(state.history) <= HISTORY_LIMIT
    assert state.history.step.flags.c_contiguous
    assert state.history.step[0] == 0 and np.all(np.diff(state.history.step) > 0)


def test_the_largest_sound_step_loads() -> None:
    data = honest_file()
    state = load_run(forge(data, counters=torch.tensor([MAX_STEP, 0, 0, 0, 0])))
    assert state.step == MAX_STEP
    assert load_run(save_run(state)).step == MAX_STEP
