"""The lesson claims about the optimizer's path on the loss surface (the "Loss landscape" card's
lessons), checked by test_lessons.py through the engine, each against a comparison run:

- `diverges_with` (a change): that config diverges within `steps` (a learning rate too large).
- `lower_loss_than` ([{config?, than, factor}]): the lesson with change `config` (none: as it is)
  reaches a training loss at least `factor` times lower after `steps` than with change `than`.
- `path_rougher_than` ({config, factor}): the path of every parameter, one point per step, is at
  least `factor` times as winding (its length over the distance from start to end) as with the
  change (SGD's mini-batches against full-batch gradient descent).
- `adam_first_step` ({config}): with that change (Adam) the first step moves every parameter by
  the learning rate (within 1%): Adam scales each parameter's step by its own sqrt(v-hat), so the
  first step is -learning_rate * sign(g); plain gradient descent's first step is not.
"""

from __future__ import annotations

import math

import numpy as np

from models.engine import Trainer
from models.landscape import flatten

PATH_CLAIMS = {"diverges_with", "lower_loss_than", "path_rougher_than", "adam_first_step"}


def path_of(trainer: Trainer, steps: int) -> np.ndarray:
    """(steps + 1, P): the parameters (the affine layers, flat) before and after every step."""
    points = [flatten(trainer.group.layers()[Trainer.RUN_ID])]
    for _ in range(steps):
        trainer.step(1)
        points.append(flatten(trainer.group.layers()[Trainer.RUN_ID]))
    return np.array(points)


def winding(path: np.ndarray) -> float:
    """Path length over the straight distance from its start to its end (1: a straight line)."""
    length = float(np.linalg.norm(np.diff(path, axis=0), axis=1).sum())
    return length / max(float(np.linalg.norm(path[-1] - path[0])), 1e-300)


def check_path_claims(claim: dict, config: dict, steps: int, train, merged) -> list[str]:
    """What of these claims does not hold; train(config, steps) -> Trainer and
    merged(config, change) are test_lessons.py's."""
    failed = []
    if "diverges_with" in claim:
        status = train(merged(config, claim["diverges_with"]), steps).status()
        if not status.diverged:
            failed.append(f"with {claim['diverges_with']} it did not diverge in {steps} steps "
                          f"(train loss {status.train_loss})")
    for compare in claim.get("lower_loss_than", []):
        low = train(merged(config, compare.get("config", {})), steps).status().train_loss
        high = train(merged(config, compare["than"]), steps).status().train_loss
        if not (low or math.inf) * compare["factor"] <= (high or math.inf):
            failed.append(f"train loss {low} with {compare.get('config', {})}, not "
                          f"{compare['factor']}x lower than {high} with {compare['than']}")
    if "path_rougher_than" in claim:
        rough = winding(path_of(train(config, 0), steps))
        other = winding(path_of(train(merged(config, claim["path_rougher_than"]["config"]), 0),
                                steps))
        factor = claim["path_rougher_than"]["factor"]
        if not rough >= factor * other:
            failed.append(f"the path winds {rough:.3f}, not {factor}x the comparison's "
                          f"{other:.3f}")
    if "adam_first_step" in claim:
        adam = merged(config, claim["adam_first_step"]["config"])
        rate = adam["training"]["learning_rate"]
        moves = np.abs(np.diff(path_of(train(adam, 0), 1), axis=0))[0]
        if not np.allclose(moves, rate, rtol=0.01):
            failed.append(f"Adam's first step moved the parameters by {moves}, not {rate} each")
        plain = np.abs(np.diff(path_of(train(config, 0), 1), axis=0))[0]
        if np.allclose(plain, plain[0], rtol=0.01):
            failed.append(f"the plain first step moved every parameter alike ({plain})")
    return failed
