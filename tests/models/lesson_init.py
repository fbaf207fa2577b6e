"""The claim of the lesson "initialisation at depth" (`init_at_depth` in frontend/lessons.json),
checked by tests/models/test_lessons.py through the engine and the gradients card's statistics
(models/gradstats.py) of the first step, at the lesson's seed:

- `vanishing_below`: with the lesson's init, the first layer's gradient norm is less than this
  share of the output layer's (the gradient vanishes on its way back);
- `steady_with` {config, within}: with that change (He init), every layer's gradient norm, and
  every hidden layer's activation spread, is within a factor `within` of the others;
- `shrinks_with` {config, below}: with that change (Xavier), the last hidden layer's activation
  spread is less than `below` times the first's;
- `loss_factor` (with steady_with's change): after `steps`, the lesson's training loss is at least
  this many times the steady run's.
"""

from __future__ import annotations

from models.gradstats import layer_statistics
from models.inspect import inspect_step


def first_step(trainer):
    group, run_id = trainer.group, trainer.RUN_ID
    return layer_statistics(inspect_step(group.export_run(run_id), group.dataset(run_id)))


def spread(values) -> float:
    return max(values) / min(values)


def check_init_at_depth(config: dict, claim: dict, steps: int, train, merged) -> list[str]:
    """What of the claim does not hold; train and merged are test_lessons.py's."""
    failed = []
    stats = first_step(train(config, 0))
    share = stats[0].grad_norm / stats[-1].grad_norm
    if not share < claim["vanishing_below"]:
        failed.append(f"the first layer's gradient is {share:.2e} of the output's, claimed < "
                      f"{claim['vanishing_below']}")
    steady = claim["steady_with"]
    steady_stats = first_step(train(merged(config, steady["config"]), 0))
    grads = spread([layer.grad_norm for layer in steady_stats])
    posts = spread([layer.post_std for layer in steady_stats[:-1]])
    if not max(grads, posts) <= steady["within"]:
        failed.append(f"with {steady['config']} the gradient norms spread {grads:.1f}x and the "
                      f"activations {posts:.1f}x, claimed within {steady['within']}x")
    shrink = claim["shrinks_with"]
    shrink_stats = first_step(train(merged(config, shrink["config"]), 0))
    ratio = shrink_stats[-2].post_std / shrink_stats[0].post_std
    if not ratio < shrink["below"]:
        failed.append(f"with {shrink['config']} the last hidden layer's spread is {ratio:.2f} of "
                      f"the first's, claimed < {shrink['below']}")
    stuck = train(config, steps).status().train_loss
    good = train(merged(config, steady["config"]), steps).status().train_loss
    if not stuck >= claim["loss_factor"] * good:
        failed.append(f"after {steps} steps the loss is {stuck:.4f} against {good:.4f} with "
                      f"{steady['config']}, claimed at least {claim['loss_factor']}x")
    return failed
