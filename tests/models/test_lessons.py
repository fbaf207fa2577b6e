"""Every lesson (frontend/lessons.json) is a claim, tested at its own seed through the engine.

A lesson's `claim` names what a student should see after `steps` steps of its config; each kind of
claim is checked here against an independent reference (exact kinks and regions from the weights,
the noise-free target, the closed-form least squares line, a comparison run). An unknown kind of
claim fails, so a lesson cannot claim what nobody checks.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from models.analysis import evaluate, linear_regression, piecewise_1d
from models.datasets import DATASETS, DatasetConfig, make_dataset
from models.engine import RunConfig, Trainer, TrainingConfig
from models.loop import Loop
from models.network import ModelConfig, lecture_parameter_count
from models.pictures import region_bound_for
from models.regions import region_map_2d
from tests.models.lesson_init import check_init_at_depth
from tests.models.lesson_one_step import check_one_step
from tests.models.lesson_paths import PATH_CLAIMS, check_path_claims

LESSONS_JSON = Path(__file__).resolve().parents[2] / "frontend" / "lessons.json"
LESSONS = json.loads(LESSONS_JSON.read_text())
CLAIMS = {"steps", "kinks", "max_train_loss", "max_error_noise_free", "more_regions_than",
          "diverges", "loss_rougher_than", "min_accuracy", "matches_least_squares",
          "regions_2d", "accuracy_without", "shared_kinks", "smooth_with", "by_hand",
          "one_step", "init_at_depth",  # tests/models/lesson_init.py
          *PATH_CLAIMS}  # the loss landscape's lessons: tests/models/lesson_paths.py
REGION_GRID = 60  # grid points per axis for counting 2-D linear regions by activation pattern


def merged(config: dict, change: dict) -> dict:
    """A lesson's config with some of its fields changed ({"model": {"depth": 1}})."""
    return {group: {**config.get(group, {}), **change.get(group, {})}
            for group in {*config, *change}}


def engine_config(config: dict) -> RunConfig:
    """The engine's config for a lesson's (partial) wire config; the rest are the defaults."""
    dataset = DatasetConfig(**config.get("dataset", {}))
    info = DATASETS[dataset.name]
    model = ModelConfig(inputs=info.inputs, outputs=info.outputs, **config.get("model", {}))
    return RunConfig(dataset, model, TrainingConfig(**config.get("training", {})))


def train(config: dict, steps: int) -> Trainer:
    trainer = Trainer(engine_config(config), device="cpu")
    trainer.step(steps)
    return trainer


def kinks_and_regions(trainer: Trainer) -> tuple[int, int]:
    """Exact breakpoints of the output and linear regions on the dataset's input range."""
    (lo, hi), = trainer.group.dataset(Trainer.RUN_ID).info.input_range
    (piece,) = piecewise_1d(trainer.module().affine_layers(), trainer.config.model.activation,
                            lo, hi)
    return len(piece.breakpoints), piece.region_count


def roughness(trainer: Trainer) -> float:
    """Mean |second difference| of log train loss along the history: jitter, not the trend."""
    log_loss = np.log(trainer.history().train_loss)
    return float(np.abs(np.diff(log_loss, n=2)).mean())


def check_claim(lesson: dict) -> list[str]:
    """What of the lesson's claim does not hold (empty: all of it holds)."""
    claim, config = lesson["claim"], lesson["config"]
    unknown = set(claim) - CLAIMS
    if unknown:
        return [f"unknown kinds of claim {sorted(unknown)}: nothing checks them"]
    steps = claim["steps"]
    trainer = train(config, steps)
    status = trainer.status()
    failed = []
    if "diverges" in claim and status.diverged != claim["diverges"]:
        failed.append(f"diverged is {status.diverged} after {steps} steps")
    if "kinks" in claim and (kinks := kinks_and_regions(trainer)[0]) != claim["kinks"]:
        failed.append(f"{kinks} kinks, claimed {claim['kinks']}")
    if "max_train_loss" in claim and not (status.train_loss or math.inf) <= claim["max_train_loss"]:
        failed.append(f"train loss {status.train_loss}, claimed <= {claim['max_train_loss']}")
    if "min_accuracy" in claim and not (status.accuracy or 0.0) >= claim["min_accuracy"]:
        failed.append(f"test accuracy {status.accuracy}, claimed >= {claim['min_accuracy']}")
    if "max_error_noise_free" in claim:
        error = error_to_noise_free_target(trainer)
        if error > claim["max_error_noise_free"]:
            failed.append(f"largest error to the noise-free target {error:.3f}, claimed <= "
                          f"{claim['max_error_noise_free']}")
    if "more_regions_than" in claim:
        failed += compare_regions(trainer, config, claim["more_regions_than"], steps)
    if "loss_rougher_than" in claim:
        other = train(merged(config, claim["loss_rougher_than"]["config"]), steps)
        factor = claim["loss_rougher_than"]["factor"]
        if not roughness(trainer) >= factor * roughness(other):
            failed.append(f"loss roughness {roughness(trainer):.4f}, not {factor}x the "
                          f"comparison's {roughness(other):.4f}")
    if "matches_least_squares" in claim:
        failed += compare_least_squares(trainer, claim["matches_least_squares"])
    if "regions_2d" in claim:
        failed += check_regions_2d(trainer, claim["regions_2d"])
    if "accuracy_without" in claim:
        failed += compare_accuracy(config, claim["accuracy_without"], steps)
    if "shared_kinks" in claim:
        failed += check_shared_kinks(trainer, claim["shared_kinks"])
    if "smooth_with" in claim:
        failed += compare_smoothness(trainer, train(merged(config, claim["smooth_with"]), steps))
    if "by_hand" in claim:
        failed += check_by_hand(trainer, claim["by_hand"], steps)
    if "one_step" in claim:
        failed += check_one_step(trainer, claim["one_step"])
    if "init_at_depth" in claim:
        failed += check_init_at_depth(config, claim["init_at_depth"], steps, train, merged)
    failed += check_path_claims(claim, config, steps, train, merged)
    return failed


def shallow_output(layers: list[dict], x: np.ndarray) -> np.ndarray:
    """The lecture's y = phi_0 + sum_d phi_d ReLU[theta_d0 + theta_d1 x] from wire-shaped weights,
    written out (not the network): (N,) -> (N,)."""
    first, output = layers
    theta_0, theta_1 = np.asarray(first["bias"]), np.asarray(first["weight"])[:, 0]  # (D,), (D,)
    phi_0, phi = output["bias"][0], np.asarray(output["weight"])[0]  # scalar, (D,)
    hidden = np.maximum(0.0, theta_0[None, :] + theta_1[None, :] * x[:, None])  # (N, D)
    return phi_0 + hidden @ phi


def check_by_hand(seeded: Trainer, claim: dict, steps: int) -> list[str]:
    """Weights set by hand (claim["layers"], the wire's shape) already fit (their training loss,
    from the written-out formula, is at most max_start_loss); the student's loop trained from them
    for `steps` steps reaches max_train_loss, while the seed's own start stays above
    seed_loss_above after as many steps (gradient descent alone gets stuck)."""
    loop = Loop(seeded.config)
    x, y = loop.data.x_train.double().numpy()[:, 0], loop.data.y_train.double().numpy()[:, 0]
    start = float(np.mean((shallow_output(claim["layers"], x) - y) ** 2))
    linears = [m for m in loop.model.modules() if isinstance(m, torch.nn.Linear)]
    with torch.no_grad():  # in place: the optimizer holds these parameters, its state still empty
        for linear, layer in zip(linears, claim["layers"], strict=True):
            linear.weight.copy_(torch.tensor(layer["weight"]))
            linear.bias.copy_(torch.tensor(layer["bias"]))
    loop.step(steps)
    finished, _ = loop.losses()
    stuck = seeded.status().train_loss or math.inf
    failed = []
    if not start <= claim["max_start_loss"]:
        failed.append(f"the hand-set weights' loss is {start:.4f}, claimed <= "
                      f"{claim['max_start_loss']}")
    if not finished <= min(claim["max_train_loss"], start):
        failed.append(f"from the hand-set weights the loss is {finished:.4f} after {steps} steps, "
                      f"claimed <= {claim['max_train_loss']}")
    if not stuck >= claim["seed_loss_above"]:
        failed.append(f"from the seed the loss is {stuck:.4f} after {steps} steps, claimed >= "
                      f"{claim['seed_loss_above']}")
    return failed


def check_regions_2d(trainer: Trainer, claim: dict) -> list[str]:
    """At least claim["min"] linear regions on the input square (distinct activation patterns on a
    grid), and never more than the bound for the net's widths (Zaslavsky's for one layer)."""
    model = trainer.config.model
    data = trainer.group.dataset(Trainer.RUN_ID)
    (_, count) = region_map_2d(trainer.module().affine_layers(), model.activation,
                               *data.info.input_range, REGION_GRID)
    bound, _ = region_bound_for([2, *model.hidden_widths(), model.outputs], model.activation)
    failed = []
    if count < claim["min"]:
        failed.append(f"{count} linear regions, claimed >= {claim['min']}")
    if count > bound:
        failed.append(f"{count} linear regions, more than the bound {bound}")
    return failed


def compare_accuracy(config: dict, claim: dict, steps: int) -> list[str]:
    """The same lesson with claim["config"] changed (e.g. no input features) stays at or below
    claim["max_accuracy"]: what the lesson adds is what makes the difference."""
    other = train(merged(config, claim["config"]), steps).status()
    if not (other.accuracy or 0.0) <= claim["max_accuracy"]:
        return [f"without the change the test accuracy is {other.accuracy}, claimed <= "
                f"{claim['max_accuracy']}"]
    return []


def check_shared_kinks(trainer: Trainer, claim: dict) -> list[str]:
    """Every output's exact kinks (at least claim["min"]) are at the same x: the outputs read the
    same hidden units, so they bend at the same joints."""
    (lo, hi), = trainer.group.dataset(Trainer.RUN_ID).info.input_range
    pieces = piecewise_1d(trainer.module().affine_layers(), trainer.config.model.activation, lo, hi)
    kinks = [np.asarray(piece.breakpoints) for piece in pieces]
    failed = []
    if len(kinks) < 2:
        failed.append(f"{len(kinks)} output(s): nothing to share")
    if min(len(k) for k in kinks) < claim["min"]:
        failed.append(f"kinks per output {[len(k) for k in kinks]}, claimed >= {claim['min']}")
    elif any(len(k) != len(kinks[0]) or not np.allclose(k, kinks[0], atol=1e-6) for k in kinks):
        failed.append(f"the outputs' kinks differ: {[k.round(4).tolist() for k in kinks]}")
    return failed


def second_differences(trainer: Trainer, x: np.ndarray) -> np.ndarray:
    """|f(x[i-1]) - 2 f(x[i]) + f(x[i+1])| on an even grid, from a float64 forward pass."""
    layers = [(np.asarray(w, dtype=np.float64), np.asarray(b, dtype=np.float64))
              for w, b in trainer.module().affine_layers()]
    y = evaluate(layers, trainer.config.model.activation, x[:, None])[:, 0]
    return np.abs(y[:-2] - 2 * y[1:-1] + y[2:])


def compare_smoothness(trainer: Trainer, smooth: Trainer) -> list[str]:
    """This (piecewise-linear) net is straight between its exact kinks, and it has some; the other
    (smooth activation) curves nearly everywhere: its second differences are non-zero at 90% of a
    grid where this net's vanish."""
    (lo, hi), = trainer.group.dataset(Trainer.RUN_ID).info.input_range
    x = np.linspace(lo, hi, 401)
    kinks, _ = kinks_and_regions(trainer)
    (piece,) = piecewise_1d(trainer.module().affine_layers(), trainer.config.model.activation,
                            lo, hi)
    step = x[1] - x[0]
    near_kink = np.array([np.any(np.abs(np.asarray(piece.breakpoints) - v) <= step * 1.01)
                          for v in x[1:-1]], dtype=bool)
    straight = second_differences(trainer, x)
    curved = second_differences(smooth, x)
    scale = 1e-9 * max(1.0, float(np.abs(straight).max()))
    failed = []
    if kinks == 0:
        failed.append("the piecewise-linear net has no kinks")
    if straight[~near_kink].max() > scale:
        failed.append(f"not straight between kinks: second difference {straight[~near_kink].max()}")
    if np.mean(curved > 1e-7) < 0.9:
        failed.append(f"the smooth net is straight at {np.mean(curved <= 1e-7):.0%} of the grid")
    return failed


def error_to_noise_free_target(trainer: Trainer) -> float:
    """max |f(x) - target(x)| over the training points, target drawn again with noise 0."""
    config = trainer.config.dataset
    clean = make_dataset(replace(config, noise=0.0))
    noisy = trainer.group.dataset(Trainer.RUN_ID)
    assert torch.equal(clean.x_train, noisy.x_train), "noise 0 did not draw the same x"
    with torch.no_grad():
        predicted = trainer.module()(clean.x_train)
    return float((predicted - clean.y_train).abs().max())


def compare_regions(trainer: Trainer, config: dict, change: dict, steps: int) -> list[str]:
    """More linear regions than a comparison net with about the same parameter count."""
    other = train(merged(config, change), steps)
    mine = trainer.config.model
    theirs = other.config.model
    counts = (lecture_parameter_count(mine.hidden_units, mine.depth),
              lecture_parameter_count(theirs.hidden_units, theirs.depth))
    failed = []
    if abs(counts[0] - counts[1]) > 0.1 * counts[0]:
        failed.append(f"parameter counts {counts} are not about the same")
    regions, other_regions = kinks_and_regions(trainer)[1], kinks_and_regions(other)[1]
    if not regions > other_regions:
        failed.append(f"{regions} linear regions, not more than the comparison's {other_regions}")
    return failed


def compare_least_squares(trainer: Trainer, tolerance: float) -> list[str]:
    """A linear model's (beta0, beta1) against the closed-form least-squares line."""
    ((weight, bias),) = trainer.module().affine_layers()
    data = trainer.group.dataset(Trainer.RUN_ID)
    fit = linear_regression(data.x_train.numpy(), data.y_train.numpy())
    learned = (float(bias[0]), float(weight[0, 0]))
    if max(abs(learned[0] - fit.beta0), abs(learned[1] - fit.beta1)) > tolerance:
        return [f"(beta0, beta1) = {learned}, least squares ({fit.beta0}, {fit.beta1})"]
    return []


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson["id"] for lesson in LESSONS])
def test_each_lesson_shows_what_it_claims(lesson: dict) -> None:
    assert "claim" in lesson and "steps" in lesson["claim"], "a lesson must claim something"
    assert check_claim(lesson) == []


def test_the_claim_check_fails_for_the_old_universal_lesson() -> None:
    """Lesson 2 as it was (32 units, seed 0) kept x > 0.2 one straight line: the check says so."""
    lesson = next(lesson for lesson in LESSONS if lesson["id"] == "universal")
    old = {**lesson, "config": merged(lesson["config"], {"model": {"hidden_units": 32}})}
    failed = check_claim(old)
    assert any("train loss" in problem for problem in failed), failed
    assert any("noise-free target" in problem for problem in failed), failed


def test_the_by_hand_check_fails_for_weights_that_do_not_fit() -> None:
    """Joints all at x = 0 (the seed's own start) neither fit nor let the loop finish the fit."""
    lesson = next(lesson for lesson in LESSONS if lesson["id"] == "by_hand")
    by_hand = lesson["claim"]["by_hand"]
    piled = [{**by_hand["layers"][0], "bias": [0.0, 0.0, 0.0]}, by_hand["layers"][1]]
    failed = check_claim({**lesson, "claim": {**lesson["claim"],
                                              "by_hand": {**by_hand, "layers": piled}}})
    assert any("hand-set weights' loss" in problem for problem in failed), failed
    assert any("from the hand-set weights" in problem for problem in failed), failed


def test_the_one_step_check_fails_for_a_step_too_large() -> None:
    """At a learning rate 20x the lesson's the step overshoots: the decrease is far from
    alpha ||g||^2 (the first-order picture holds for small steps only)."""
    lesson = next(lesson for lesson in LESSONS if lesson["id"] == "backprop_one_step")
    rate = 20 * lesson["config"]["training"]["learning_rate"]
    big = merged(lesson["config"], {"training": {"learning_rate": rate}})
    failed = check_claim({**lesson, "config": big})
    assert any("lowered the batch loss" in problem for problem in failed), failed


def test_an_unknown_kind_of_claim_fails() -> None:
    lesson = {"config": LESSONS[0]["config"], "claim": {"steps": 1, "looks_nice": True}}
    assert check_claim(lesson) == ["unknown kinds of claim ['looks_nice']: nothing checks them"]
