"""hidden_units per layer (TensorFlow Playground's 4, 2): the config's canonical form, counts
against the module and the lecture, the region bound as a product (attained by a hand-built net),
and the engine held to the student's loop step for step on a net of unequal widths, every path."""

import numpy as np
import pytest
import torch

from models.analysis import piecewise_1d, unit_decomposition_1d
from models.configs import change_kind
from models.engine import RunGroup
from models.engine.batched import Layout
from models.engine.checkpoint import load_run, save_run
from models.engine.sampling import dropout_keep
from models.loop import Loop
from models.network import (
    MLP,
    ModelConfig,
    lecture_parameter_count,
    parameter_count,
    region_bound,
)

from .conftest import run_config
from .test_engine import assert_matches, group_for

UNEQUAL = (5, 3, 7)


def test_a_list_of_widths_is_a_tuple_and_equal_widths_are_one_number():
    config = ModelConfig(hidden_units=[4, 2], depth=2)
    assert config.hidden_units == (4, 2) and config.hidden_widths() == (4, 2)
    assert config.widths() == [1, 4, 2, 1]
    assert ModelConfig(hidden_units=[4, 4], depth=2) == ModelConfig(hidden_units=4, depth=2)
    assert ModelConfig(hidden_units=(np.int64(3),), depth=1).hidden_units == 3
    assert hash(config) == hash(ModelConfig(hidden_units=(4, 2), depth=2))  # a group key
    assert ModelConfig(hidden_units=6, depth=3).hidden_widths() == (6, 6, 6)
    assert ModelConfig(hidden_units=6, depth=0).hidden_widths() == ()


@pytest.mark.parametrize("hidden_units, depth, message", [
    ([4, 2], 3, "2 width"), ([4], 0, "depth is 0"), ([], 0, "depth is 0"),
    ([4, 0], 2, r"hidden_units\[1\]"), ([4, 2000], 2, r"hidden_units\[1\]"),
    ([4, 2.0], 2, "integer"), ([True, 2], 2, "integer"),
])
def test_bad_widths_raise_value_errors(hidden_units, depth, message):
    with pytest.raises(ValueError, match=message):
        ModelConfig(hidden_units=hidden_units, depth=depth)


@pytest.mark.parametrize("config", [
    ModelConfig(hidden_units=[4, 2], depth=2),
    ModelConfig(inputs=2, outputs=3, hidden_units=UNEQUAL, depth=3, batch_norm=True),
    ModelConfig(hidden_units=[1, 9], depth=2, dropout=0.3),
])
def test_parameter_count_follows_each_layer(config):
    widths = config.widths()
    by_hand = sum((a + 1) * b for a, b in zip(widths, widths[1:], strict=False))
    by_hand += 2 * sum(widths[1:-1]) if config.batch_norm else 0
    module = MLP(config)
    assert parameter_count(config) == by_hand == sum(p.numel() for p in module.parameters())
    assert Layout(config).size == by_hand
    linears = [m for m in module.layers if isinstance(m, torch.nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == list(zip(widths, widths[1:],
                                                                          strict=False))


def test_lecture_count_only_for_one_width():
    assert lecture_parameter_count([6, 6, 6], 3) == lecture_parameter_count(6, 3) == 3 * 6 + 1 + 84
    with pytest.raises(ValueError, match="same width"):
        lecture_parameter_count([4, 2], 2)


def test_region_bound_is_the_product_over_layers():
    assert region_bound([4, 2], 2) == 5 * 3
    assert region_bound(UNEQUAL, 3) == 6 * 4 * 8
    assert region_bound(4, 3) == region_bound([4, 4, 4], 3) == 5**3


def test_a_hand_built_net_attains_the_product_bound():
    """Three units make a zigzag g on [0, 6] with 4 monotone pieces, each running between 0 and 1
    (g = 4 - 2 relu(x - 1) + 1.5 relu(x - 2) - relu(4 - x)); two second-layer units cut g at 0.3
    and 0.7, so each piece splits in 3: (3 + 1)(2 + 1) = 12 regions, neither (3+1)^2 nor (2+1)^2."""
    first = (np.array([[1.0], [1.0], [-1.0]]), np.array([-1.0, -2.0, 4.0]))
    a = np.array([-2.0, 1.5, -1.0])
    second = (np.stack([a, a]), np.array([4.0 - 0.3, 4.0 - 0.7]))
    layers = [first, second, (np.array([[1.0, -1.0]]), np.array([0.0]))]
    x = np.array([0.0, 1.0, 2.0, 4.0, 6.0])
    g = a @ np.maximum(first[0] @ x[None] + first[1][:, None], 0) + 4.0
    np.testing.assert_allclose(g, [0, 1, 0, 1, 0])
    (piece,) = piecewise_1d(layers, "relu", 0.0, 6.0)
    assert piece.region_count == 12 == region_bound([3, 2], 2)


@pytest.mark.parametrize("widths", [(4, 2), (2, 5), (5, 3, 7), (1, 6, 2)])
def test_random_nets_of_unequal_widths_stay_within_the_bound(widths):
    rng = np.random.default_rng(len(widths))
    sizes = [1, *widths, 1]
    for _ in range(30):
        layers = [(rng.normal(size=(b, a)), rng.uniform(-2, 2, size=b))
                  for a, b in zip(sizes, sizes[1:], strict=False)]
        (piece,) = piecewise_1d(layers, "relu", -5.0, 5.0)
        assert 1 <= piece.region_count <= region_bound(widths, len(widths))


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_engine_matches_the_loop_on_unequal_widths(optimizer, activation):
    config = run_config(hidden_units=UNEQUAL, depth=3, activation=activation,
                        optimizer=optimizer, learning_rate=0.01 if optimizer == "adam" else 0.1,
                        batch_size=8, weight_decay=0.01)
    group = group_for(config, run_config(hidden_units=UNEQUAL, depth=3, activation=activation,
                                         optimizer=optimizer, n_points=25, seed=4))
    group.step(20)
    assert_matches(group, "run0", Loop(config), 20)


def test_engine_matches_the_loop_on_unequal_widths_with_batch_norm_and_two_inputs():
    config = run_config(dataset="blobs", inputs=2, outputs=3, hidden_units=[6, 3], depth=2,
                        batch_norm=True, optimizer="momentum", batch_size=9, n_points=45)
    group = group_for(config)
    group.step(12)
    reference = Loop(config)
    assert_matches(group, "run0", reference, 12, weight_tolerance=2e-4)
    norms = [m for m in group.module("run0").layers if isinstance(m, torch.nn.BatchNorm1d)]
    assert [m.num_features for m in norms] == [6, 3]
    theirs = [m for m in reference.model.layers if isinstance(m, torch.nn.BatchNorm1d)]
    for ours, loop in zip(norms, theirs, strict=True):
        torch.testing.assert_close(ours.running_var, loop.running_var, atol=1e-5, rtol=1e-5)


def test_dropout_masks_have_each_layers_width_and_training_is_seeded(monkeypatch):
    import models.engine.stepper as stepper
    shapes = []

    def recording(key, step, layer, shape, p):
        shapes.append((layer, shape))
        return dropout_keep(key, step, layer, shape, p)

    monkeypatch.setattr(stepper, "dropout_keep", recording)
    config = run_config(hidden_units=[12, 4], depth=2, dropout=0.25, batch_size=16, n_points=80)
    losses = []
    for _ in range(2):
        group = group_for(config, eval_every=50)
        group.step(200)
        losses.append(group.history("run0").train_loss)
    assert set(shapes) == {(0, (1, 16, 12)), (1, (1, 16, 4))}
    np.testing.assert_array_equal(losses[0], losses[1])
    assert losses[0][-1] < 0.8 * losses[0][0]


def test_checkpoint_of_unequal_widths_round_trips_and_a_wrong_layout_is_refused():
    config = run_config(hidden_units=[4, 2], depth=2, optimizer="adam", batch_size=8)
    group = group_for(config)
    group.step(9)
    state = load_run(save_run(group.export_run("run0")))
    assert state.config == config and state.config.model.hidden_units == (4, 2)
    other = RunGroup(config.model, "adam", "cpu")
    other.import_run("b", state)
    group.step(5)
    other.step(5)
    assert torch.equal(group.export_run("run0").parameters, other.export_run("b").parameters)
    swapped = run_config(hidden_units=[4, 3], depth=2, optimizer="adam", batch_size=8)
    wrong = load_run(save_run(group.export_run("run0")))
    wrong.config = swapped  # the same number of layers, another layout: P differs
    assert Layout(swapped.model).size != Layout(config.model).size
    with pytest.raises(ValueError, match="parameters must have shape"):
        RunGroup(swapped.model, "adam", "cpu").import_run("c", wrong)


def test_unit_panels_of_unequal_layers_and_a_change_of_widths_rebuilds():
    config = run_config(hidden_units=[4, 2], depth=2)
    group = group_for(config)
    group.step(5)
    layers = group.layers()["run0"]
    units = unit_decomposition_1d(layers, "relu", np.linspace(-1, 1, 9))
    assert [p.shape for p in units.pre] == [(4, 9), (2, 9)]
    assert units.weighted.shape == (1, 2, 9)
    x = torch.linspace(-1, 1, 9).reshape(-1, 1)
    with torch.no_grad():
        expected = group.module("run0")(x).double().numpy().T
    np.testing.assert_allclose(units.total, expected, rtol=1e-5, atol=1e-6)
    assert change_kind(config, run_config(hidden_units=[4, 3], depth=2)) == "rebuilt"
    assert change_kind(config, run_config(hidden_units=[4, 2], depth=2)) == "none"
