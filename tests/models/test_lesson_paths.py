"""The loss landscape lessons' claims (tests/models/lesson_paths.py) can fail: turned around, each
check says so."""

from __future__ import annotations

from tests.models.test_lessons import LESSONS, check_claim


def lesson(lesson_id: str) -> dict:
    return next(item for item in LESSONS if item["id"] == lesson_id)


def with_claim(item: dict, **claim) -> dict:
    return {**item, "claim": {"steps": item["claim"]["steps"], **claim}}


def test_the_learning_rate_claims_fail_turned_around():
    gd = lesson("gd_surface")
    failed = check_claim(with_claim(
        gd, diverges_with={"training": {"learning_rate": 0.9}},
        lower_loss_than=[{"config": {"training": {"learning_rate": 0.01}},
                          "than": {"training": {"learning_rate": 0.3}}, "factor": 1.0}]))
    assert any("did not diverge" in problem for problem in failed), failed
    assert any("x lower than" in problem for problem in failed), failed


def test_the_path_claims_fail_turned_around():
    sgd = lesson("sgd_momentum_adam")
    full_batch = {**sgd, "config": {**sgd["config"],
                                    "training": {**sgd["config"]["training"], "batch_size": None}}}
    failed = check_claim(with_claim(
        full_batch, path_rougher_than={"config": {"training": {"batch_size": 8}}, "factor": 1.0},
        adam_first_step={"config": {"training": {"optimizer": "momentum",
                                                 "learning_rate": 0.05}}}))
    assert any("the path winds" in problem for problem in failed), failed
    assert any("Adam's first step" in problem for problem in failed), failed
