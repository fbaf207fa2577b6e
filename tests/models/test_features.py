"""Input features (models/features.py): the table's formulas against numpy, the network's first
layer, the engine held to the student's loop with features, a circle made linearly separable, and
the pictures (a grid in 1-D, activation patterns in 2-D) against a torch forward of the module."""

import math

import numpy as np
import pytest
import torch

from models.configs import change_kind
from models.datasets import DatasetConfig, make_dataset
from models.engine import RunConfig, RunGroup, Trainer, TrainingConfig
from models.engine.checkpoint import load_run, save_run
from models.features import FEATURES, add_features, check_features, feature_names
from models.loop import Loop
from models.network import MLP, ModelConfig, parameter_count
from models.pictures import FEATURE_GRID, linear_region_count, picture, view_1d, view_2d

from .conftest import run_config
from .test_engine import assert_matches, group_for

BY_HAND = {  # name -> numpy formula of x (N, inputs): independent of the table
    "x_squared": lambda x: x[:, 0] ** 2, "sin_pi_x": lambda x: np.sin(np.pi * x[:, 0]),
    "x1_squared": lambda x: x[:, 0] ** 2, "x2_squared": lambda x: x[:, 1] ** 2,
    "x1_x2": lambda x: x[:, 0] * x[:, 1], "sin_pi_x1": lambda x: np.sin(np.pi * x[:, 0]),
    "sin_pi_x2": lambda x: np.sin(np.pi * x[:, 1]),
}
ONE_D = ("sin_pi_x", "x_squared")
TWO_D = ("x1_squared", "x1_x2", "x2_squared")


def test_the_table_is_tensorflow_playgrounds_and_each_formula_is_right():
    assert set(feature_names(1)) == {"x_squared", "sin_pi_x"}
    assert set(feature_names(2)) == {"x1_squared", "x2_squared", "x1_x2", "sin_pi_x1",
                                     "sin_pi_x2"}
    assert feature_names(64) == ()
    rng = np.random.default_rng(0)
    for inputs, table in FEATURES.items():
        x = rng.uniform(-1.5, 1.5, size=(50, inputs))
        for name in table:
            mapped = add_features(x, (name,))  # numpy in, numpy out
            assert mapped.dtype == np.float64 and mapped.shape == (50, inputs + 1)
            np.testing.assert_array_equal(mapped[:, :inputs], x)
            np.testing.assert_allclose(mapped[:, inputs], BY_HAND[name](x), atol=1e-12)
            as_torch = add_features(torch.from_numpy(x).float(), (name,))
            assert as_torch.dtype == torch.float32
            np.testing.assert_allclose(as_torch.numpy(), mapped, atol=1e-6)


def test_features_are_stored_sorted_and_checked_against_the_inputs():
    assert check_features(2, ["x2_squared", "x1_x2"]) == ("x1_x2", "x2_squared")
    assert ModelConfig(inputs=2, features=["x2_squared", "x1_squared"]).features == TWO_D[::2]
    with pytest.raises(ValueError, match="does not exist for 1 input"):
        ModelConfig(inputs=1, features=("x1_x2",))
    with pytest.raises(ValueError, match="repeat"):
        ModelConfig(features=("x_squared", "x_squared"))
    with pytest.raises(ValueError, match="choose from: none"):
        ModelConfig(inputs=64, outputs=10, features=("x_squared",))
    with pytest.raises(ValueError, match="list of names"):
        ModelConfig(features="x_squared")


def test_the_first_layer_takes_inputs_then_features_in_stored_order():
    config = ModelConfig(inputs=2, hidden_units=3, features=("x2_squared", "sin_pi_x1"))
    assert config.features == ("sin_pi_x1", "x2_squared") and config.widths() == [4, 3, 1]
    assert parameter_count(config) == 5 * 3 + 4 == sum(p.numel() for p in MLP(config).parameters())
    module = MLP(config, torch.Generator().manual_seed(0))
    x = torch.tensor([[0.5, -1.0], [1.0, 0.25]])
    columns = torch.stack([x[:, 0], x[:, 1], torch.sin(math.pi * x[:, 0]), x[:, 1] ** 2], 1)
    first = module.layers[0]
    with torch.no_grad():
        torch.testing.assert_close(module.layers[0:](columns), module(x))
        assert first.weight.shape == (3, 4)


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_engine_matches_the_loop_with_features_in_1d(optimizer):
    config = run_config(features=ONE_D, hidden_units=[5, 3], depth=2, optimizer=optimizer,
                        learning_rate=0.01 if optimizer == "adam" else 0.1, batch_size=8)
    group = group_for(config, run_config(features=ONE_D, hidden_units=[5, 3], depth=2,
                                         optimizer=optimizer, n_points=23, seed=2))
    group.step(20)
    assert_matches(group, "run0", Loop(config), 20)


@pytest.mark.parametrize("depth", [0, 2])
def test_engine_matches_the_loop_with_features_in_2d(depth):
    config = run_config(dataset="xor", inputs=2, features=TWO_D, depth=depth, batch_size=10,
                        optimizer="adam", n_points=60)
    group = group_for(config)
    group.step(15)
    assert_matches(group, "run0", Loop(config), 15)


def test_engine_with_features_and_batch_norm_matches_the_loop():
    config = run_config(dataset="circle", inputs=2, features=("x1_squared", "x2_squared"),
                        depth=2, hidden_units=4, batch_norm=True, optimizer="momentum",
                        batch_size=12, n_points=50)
    group = group_for(config)
    group.step(10)
    assert_matches(group, "run0", Loop(config), 10, weight_tolerance=2e-4)


def circle_run(features: tuple[str, ...], noise: float) -> Trainer:
    config = RunConfig(DatasetConfig("circle", n_points=200, noise=noise, seed=0),
                       ModelConfig(inputs=2, depth=0, features=features),
                       TrainingConfig(optimizer="adam", learning_rate=0.1, seed=0))
    trainer = Trainer(config, device="cpu")
    trainer.step(600)
    return trainer


def test_squares_make_the_circle_linearly_separable():
    """The lesson's claim at its seed: with x1^2 and x2^2 the circle x1^2 + x2^2 < 0.49 is a
    half-plane of the features, so a network with no hidden layer learns it; without them it
    stays near chance (a line cannot cut a disc out of a ring)."""
    squares = ("x1_squared", "x2_squared")
    exact = circle_run(squares, noise=0.0).status()
    assert exact.train_accuracy >= 0.98 and exact.accuracy >= 0.95
    noisy = circle_run(squares, noise=0.05).status()
    assert noisy.train_accuracy >= 0.95 and noisy.accuracy >= 0.95
    (weight, bias), = circle_run(squares, noise=0.0).module().affine_layers()
    assert weight[0, 2] < 0 and weight[0, 3] < 0 and bias[0] > 0  # inside: -r^2 + c > 0
    ratio = bias[0] / -weight[0, 2:].mean()
    assert ratio == pytest.approx(0.49, rel=0.2)  # the boundary radius^2
    plain = circle_run((), noise=0.0).status()
    assert plain.train_accuracy < 0.7


def test_1d_picture_with_features_is_the_module_on_a_grid_and_claims_no_kinks():
    config = run_config(features=ONE_D, hidden_units=6, depth=1, batch_size=8)
    group = group_for(config)
    group.step(30)
    layers, module = group.layers()["run0"], group.module("run0")
    view = picture(layers, "relu", group.dataset("run0"), 20, features=ONE_D)
    assert len(view.x) == FEATURE_GRID and np.allclose(np.diff(view.x), 2 / (FEATURE_GRID - 1))
    with torch.no_grad():
        expected = module(torch.from_numpy(view.x).float()[:, None]).double().numpy().T
    np.testing.assert_allclose(view.output, expected, rtol=1e-5, atol=1e-5)
    assert view.pieces is None and view.region_count is None and view.joints is None
    assert view.units.x is view.x and view.units.pre[0].shape == (6, FEATURE_GRID)
    np.testing.assert_allclose(view.units.total, view.output, atol=1e-12)
    assert linear_region_count(layers, "relu", ((-1.0, 1.0),), 20, features=ONE_D) is None
    linear = view_1d(group.layers()["run0"], "relu", "regression", -1, 1, features=ONE_D)
    assert linear.output.shape == (1, FEATURE_GRID)
    deep0 = run_config(features=ONE_D, depth=0)
    units = view_1d(group_for(deep0).layers()["run0"], "relu", "regression", -1, 1,
                    features=ONE_D).units
    assert units.weighted.shape == (1, 3, FEATURE_GRID)  # x, sin(pi x), x^2 each weighted


def test_2d_picture_with_features_matches_the_module_and_its_activation_patterns():
    config = run_config(dataset="circle", inputs=2, features=TWO_D, hidden_units=[5, 4], depth=2)
    group = group_for(config)
    group.step(20)
    layers, module = group.layers()["run0"], group.module("run0")
    input_range = make_dataset(config.dataset).info.input_range
    view = view_2d(layers, "relu", "binary", input_range, 25, features=TWO_D)
    xs, ys = np.meshgrid(view.x, view.y)
    points = torch.from_numpy(np.stack([xs.ravel(), ys.ravel()], 1)).float()
    patterns = []  # the on/off pattern of every hidden unit, read from the module itself
    hooks = [m.register_forward_hook(lambda _, __, out: patterns.append(out > 0))
             for m in list(module.layers)[:-1] if isinstance(m, torch.nn.Linear)]
    with torch.no_grad():
        probability = torch.sigmoid(module(points)).double().numpy().reshape(25, 25)
    for hook in hooks:
        hook.remove()
    np.testing.assert_allclose(view.z, probability, atol=1e-5)
    keys = [tuple(row) for row in torch.cat(patterns, 1).numpy()]
    assert view.region_count == len(set(keys)) == view.regions.max() + 1
    same = np.array([keys[i] == keys[j] for i, j in zip(range(0, 600, 7), range(3, 603, 7),
                                                          strict=True)])
    regions = view.regions.ravel()
    np.testing.assert_array_equal(same, regions[0:600:7] == regions[3:603:7])
    assert linear_region_count(layers, "relu", input_range, 25, features=TWO_D) == view.region_count


def test_checkpoints_keep_features_and_a_change_of_features_rebuilds():
    config = run_config(dataset="xor", inputs=2, features=("x1_x2",), optimizer="adam",
                        batch_size=10)
    group = group_for(config)
    group.step(12)
    state = load_run(save_run(group.export_run("run0")))
    assert state.config.model.features == ("x1_x2",)
    restored = RunGroup(config.model, "adam", "cpu", eval_every=1)
    restored.import_run("b", state)
    group.step(6)
    restored.step(6)
    assert torch.equal(group.export_run("run0").parameters, restored.export_run("b").parameters)
    without = run_config(dataset="xor", inputs=2, optimizer="adam", batch_size=10)
    state.config = without  # one column fewer in the first layer: the tensors do not fit
    with pytest.raises(ValueError, match="parameters must have shape"):
        RunGroup(without.model, "adam", "cpu").import_run("c", state)
    assert change_kind(config, without) == "rebuilt"
