"""Weights by hand (RunGroup.set_weights) against the reference module and the student's loop, and
the dropout masks a frame reports (weights.dropped_units) against a step recomputed by hand."""

from dataclasses import replace

import numpy as np
import pytest
import torch

from models.engine import RunGroup, WeightsError, dropped_units
from models.loop import Loop, make_optimizer
from models.network import MLP

from .conftest import run_config

TOLERANCE = 1e-5


def group_of(config, run_id: str = "run") -> RunGroup:
    group = RunGroup(config.model, config.training.optimizer, "cpu", eval_every=1)
    group.add(run_id, config)
    return group


def random_layers(config, seed: int = 7) -> list[tuple[np.ndarray, np.ndarray]]:
    """Weights no training run would have: an independent draw, float32-representable."""
    rng = np.random.default_rng(seed)
    widths = config.model.widths()
    return [(rng.normal(size=(fan_out, fan_in)).astype(np.float32).astype(np.float64),
             rng.normal(size=fan_out).astype(np.float32).astype(np.float64))
            for fan_in, fan_out in zip(widths, widths[1:], strict=False)]


@pytest.mark.parametrize("dropout", [0.0, 0.3])
def test_the_module_gives_back_the_weights_set(dropout):
    config = run_config(depth=2, hidden_units=5, dropout=dropout, batch_size=8)
    group = group_of(config)
    group.step(7)
    layers = random_layers(config)
    group.set_weights("run", layers)
    for (weight, bias), (w, b) in zip(layers, group.module("run").affine_layers(), strict=True):
        np.testing.assert_array_equal(w, weight)
        np.testing.assert_array_equal(b, bias)
    for (weight, bias), (w, b) in zip(layers, group.layers(["run"])["run"], strict=True):
        np.testing.assert_array_equal(w, weight)
        np.testing.assert_array_equal(b, bias)
    assert group.statuses()["run"].step == 7  # the step count stays
    assert list(group.history("run").step) == list(range(8))  # and the history


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_steps_after_new_weights_equal_the_loop_from_them_with_a_fresh_optimizer(optimizer):
    learning_rate = 0.01 if optimizer == "adam" else 0.05
    config = run_config(optimizer=optimizer, depth=2, hidden_units=6, batch_size=8,
                        learning_rate=learning_rate, weight_decay=0.01, n_points=50)
    group = group_of(config)
    group.step(13)  # mid-epoch, with momentum / Adam moments built up
    layers = random_layers(config)
    group.set_weights("run", layers)
    group.step(9)

    reference = Loop(config)
    reference.step(13)  # the same place in the batch order
    module = MLP(config.model)
    with torch.no_grad():
        linears = [m for m in module.layers if isinstance(m, torch.nn.Linear)]
        for linear, (weight, bias) in zip(linears, layers, strict=True):
            linear.weight.copy_(torch.from_numpy(weight))
            linear.bias.copy_(torch.from_numpy(bias))
    reference.model = module
    reference.optimizer = make_optimizer(config.training, module.parameters())
    reference.step(9)
    torch.testing.assert_close(group.export_run("run").parameters, reference.parameters(),
                               rtol=TOLERANCE, atol=TOLERANCE)
    status = group.statuses()["run"]
    assert status.step == 22
    assert status.train_loss == pytest.approx(reference.losses()[0], rel=1e-4)


def test_without_resetting_the_optimizer_the_step_would_differ():
    """The comparison above can fail: the same weights with Adam's built-up moments kept (a run
    imported with its old optimiser state) take another step."""
    config = run_config(optimizer="adam", depth=1, hidden_units=6, batch_size=8,
                        learning_rate=0.01, n_points=50)
    group = group_of(config)
    group.step(13)
    old = group.export_run("run")
    group.set_weights("run", random_layers(config))
    state = group.export_run("run")
    assert state.optimizer_origin == 13 and state.step == 13
    assert all(not value.any() for value in state.optimizer_state.values())
    kept = RunGroup(config.model, "adam", "cpu", eval_every=1)
    kept.import_run("kept", replace(old, parameters=state.parameters.clone()))
    group.step(1)
    kept.step(1)
    assert not torch.allclose(kept.export_run("kept").parameters,
                              group.export_run("run").parameters, atol=1e-6)


def test_bad_weights_name_the_layer_and_leave_the_group_untouched():
    config = run_config(depth=2, hidden_units=4)
    group = group_of(config)
    group.add("neighbour", run_config(depth=2, hidden_units=4, seed=3))
    group.step(3)
    before = {run: group.export_run(run) for run in group.run_ids}
    good = random_layers(config)
    bad_shape = [good[0], (good[1][0][:, :3], good[1][1]), good[2]]
    not_finite = [good[0], good[1], (good[2][0], np.array([np.nan]))]
    too_large = [(good[0][0] * 1e39, good[0][1]), good[1], good[2]]
    ragged = [good[0], ([[1.0] * 4, [1.0] * 3, [1.0] * 4, [1.0] * 4], good[1][1]), good[2]]
    cases = [(good[:2], "layers"), (bad_shape, "layers.1.weight"), (not_finite, "layers.2.bias"),
             (too_large, "layers.0.weight"), (ragged, "layers.1.weight"),
             ([good[0], good[1], (good[2][0],)], "layers.2")]
    for layers, field in cases:
        with pytest.raises(WeightsError) as raised:
            group.set_weights("run", layers)
        assert raised.value.field == field
    for run, state in before.items():
        after = group.export_run(run)
        assert torch.equal(after.parameters, state.parameters)
        assert after.optimizer_origin == state.optimizer_origin
        for name, value in state.optimizer_state.items():
            assert torch.equal(after.optimizer_state[name], value)


def test_batch_norm_nets_are_refused():
    config = run_config(depth=1, batch_norm=True)
    group = group_of(config)
    with pytest.raises(WeightsError) as raised:
        group.set_weights("run", group.layers()["run"])
    assert raised.value.field == "model.batch_norm"


def test_a_diverged_run_trains_again_with_finite_weights_and_only_then():
    config = run_config(optimizer="sgd", learning_rate=1e6, depth=3, hidden_units=16, init="he")
    group = group_of(config)
    group.step(30)
    assert group.statuses()["run"].diverged
    huge = [(w * 3e37, b * 3e37) for w, b in random_layers(config)]  # float32 holds them; the
    group.set_weights("run", huge)                                   # loss is not finite
    assert group.statuses()["run"].diverged
    group.set_weights("run", random_layers(config))
    status = group.statuses()["run"]
    assert not status.diverged and np.isfinite(status.train_loss)
    group.set_training("run", config.training.__class__(optimizer="sgd", learning_rate=0.01))
    group.step(5)
    assert group.statuses()["run"].step == status.step + 5


def test_dropped_units_are_the_masks_of_the_last_step():
    """With one example per batch the first example's mask is the whole batch's: a step recomputed
    by hand with those masks equals the engine's step; a neighbouring step's masks do not."""
    p, step = 0.5, 6
    config = run_config(optimizer="sgd", learning_rate=0.1, depth=2, hidden_units=8,
                        dropout=p, batch_size=1, n_points=20)
    group = group_of(config)
    group.step(step)
    before = group.module("run")
    group.step(1)
    engine = group.export_run("run").parameters
    masks = dropped_units(config.model, config.training.seed, step)
    assert masks is not None and len(masks) == 2
    assert 0 < sum(len(m) for m in masks) < 16  # p = 0.5: some dropped, not all

    def by_hand(dropped):
        module = MLP(config.model)
        module.load_state_dict(before.state_dict())
        loop = Loop(config)
        loop.step_count = step
        batch = loop.batch()
        linears = [m for m in module.layers if isinstance(m, torch.nn.Linear)]
        h = loop.data.x_train[batch]
        for layer, linear in enumerate(linears[:-1]):
            keep = torch.ones(h.shape[0], linear.out_features)
            keep[:, torch.as_tensor(dropped[layer], dtype=torch.long)] = 0.0
            h = torch.relu(linear(h)) * keep / (1 - p)
        loss = loop.loss(linears[-1](h), loop.data.y_train[batch])
        loss.backward()
        with torch.no_grad():
            for parameter in module.parameters():
                parameter -= 0.1 * parameter.grad
        return torch.cat([q.detach().reshape(-1) for q in module.parameters()])

    torch.testing.assert_close(engine, by_hand(masks), rtol=TOLERANCE, atol=TOLERANCE)
    neighbour = dropped_units(config.model, config.training.seed, step + 1)
    assert not torch.allclose(engine, by_hand(neighbour), atol=1e-6)


def test_no_masks_without_dropout_or_before_the_first_step():
    assert dropped_units(run_config(dropout=0.0).model, 0, 5) is None
    assert dropped_units(run_config(dropout=0.2).model, 0, -1) is None


def test_the_module_is_a_copy_not_a_view_of_the_live_rows():
    """group.module() on the CPU used to alias the group's parameter row: a later step changed
    the module the caller held, and changing the module changed the run."""
    config = run_config(depth=1, hidden_units=4)
    group = group_of(config)
    module = group.module("run")
    held = torch.cat([q.detach().reshape(-1).clone() for q in module.parameters()])
    group.step(3)
    assert torch.equal(torch.cat([q.detach().reshape(-1) for q in module.parameters()]), held)
    with torch.no_grad():
        next(module.parameters()).add_(1.0)
    assert not torch.equal(group.export_run("run").parameters[:4], held[:4] + 1.0)
