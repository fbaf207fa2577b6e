"""The claim of the lesson "backprop in one step" (`one_step` in frontend/lessons.json), checked by
tests/models/test_lessons.py: at the lesson's seed, after `steps` steps, the step inspector's next
step (models/inspect.py) has every gradient equal to central finite differences, and that plain
gradient-descent step lowers the batch's loss by about alpha ||g||^2 (first-order Taylor), the
decrease measured by evaluating the loss again at the new weights."""

from __future__ import annotations

import numpy as np
import torch

from models.inspect import data_loss, finite_difference, forward, inspect_step


def check_one_step(trainer, claim: dict) -> list[str]:
    """claim: {"max_gradient_error": relative, "decrease": [low, high]} (the measured decrease
    over alpha ||g||^2)."""
    group, run_id = trainer.group, trainer.RUN_ID
    state, dataset = group.export_run(run_id), group.dataset(run_id)
    step = inspect_step(state, dataset)
    failed, worst = [], 0.0
    for index, layer in enumerate(step.layers):
        rows, columns = layer.weight.shape
        for row in range(rows):
            for column in [*range(columns), None]:
                exact = layer.grad_bias[row] if column is None else layer.grad_weight[row, column]
                numeric = finite_difference(state, dataset, index, row, column)
                worst = max(worst, abs(numeric - exact) / max(1e-3, abs(exact)))
    if worst > claim["max_gradient_error"]:
        failed.append(f"backprop and finite differences differ by {worst:.2e} (relative), "
                      f"claimed <= {claim['max_gradient_error']}")
    if step.optimizer != "sgd" or state.config.training.weight_decay or state.config.training.l1:
        return [*failed, "the decrease claim is for plain SGD without penalties"]
    new = [(torch.from_numpy(w), torch.from_numpy(b)) for w, b in step.new_layers]
    inputs, targets = torch.from_numpy(step.inputs), torch.from_numpy(step.targets)
    output = forward(new, state.config.model.activation, inputs)[1][-1]
    after = float(data_loss(dataset.info.task, output, targets).mean())
    squared = sum(float(np.sum(layer.grad_weight**2) + np.sum(layer.grad_bias**2))
                  for layer in step.layers)
    ratio = (step.loss - after) / (step.learning_rate * squared)
    low, high = claim["decrease"]
    if not low <= ratio <= high:
        failed.append(f"the step lowered the batch loss {step.loss:.5f} -> {after:.5f}, "
                      f"{ratio:.3f} x alpha ||g||^2, claimed within [{low}, {high}]")
    return failed
