"""The lecture's "multiple outputs" (dataset two_outputs: 1 input, 2 outputs): the loss over both
outputs, the engine held to the loop, and a shallow ReLU net's two outputs bending only at the
joints of their shared hidden units (checked against dense sampling of the module)."""

import numpy as np
import pytest
import torch

from models.datasets import DATASETS
from models.loop import Loop
from models.network import region_bound
from models.pictures import picture

from .conftest import run_config
from .test_engine import assert_matches, group_for
from .test_pictures import sign_changes


def two_outputs(n_points: int = 80, **settings):
    return run_config(dataset="two_outputs", outputs=2, n_points=n_points, **settings)


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_engine_matches_the_loop_on_two_outputs(optimizer):
    config = two_outputs(optimizer=optimizer, hidden_units=[6, 5], depth=2, batch_size=16,
                         learning_rate=0.05 if optimizer == "sgd" else 0.01)
    group = group_for(config, two_outputs(seed=2, hidden_units=[6, 5], depth=2,
                                          optimizer=optimizer))
    group.step(20)
    assert_matches(group, "run0", Loop(config), 20)


def test_the_loss_is_the_mean_squared_error_over_both_outputs():
    config = two_outputs(hidden_units=8)
    group = group_for(config)
    group.step(30)
    data, module = group.dataset("run0"), group.module("run0")
    with torch.no_grad():
        residual = (module(data.x_train) - data.y_train).double().numpy()  # (N, 2)
    assert residual.shape == (len(data.x_train), 2)
    per_output = (residual**2).mean(axis=0)
    status = group.statuses()["run0"]
    assert status.train_loss == pytest.approx(per_output.mean(), rel=1e-5)
    assert status.accuracy is None and status.train_accuracy is None


def test_a_shallow_nets_two_outputs_bend_at_the_same_unit_joints():
    config = two_outputs(hidden_units=8, depth=1, learning_rate=0.02, n_points=200)
    group = group_for(config, eval_every=100)
    group.step(800)
    status = group.statuses()["run0"]
    assert status.train_loss < 0.05  # it learned both curves
    layers = group.layers()["run0"]
    (lo, hi), = DATASETS["two_outputs"].input_range
    view = picture(layers, "relu", group.dataset("run0"), 20)
    assert view.output.shape == (2, len(view.x)) and len(view.pieces) == 2
    joints = np.array([x for x in view.joints if x is not None])
    found, spacing = sign_changes(layers, lo, hi)  # dense sampling of each unit, not joints
    np.testing.assert_allclose(sorted(joints), sorted(x for x in found if x is not None),
                               atol=spacing)
    assert view.region_count == len(joints) + 1 <= region_bound(8, 1)
    for piece in view.pieces:  # every kink of either output is one of the shared joints
        assert len(piece.breakpoints) >= 2
        distance = np.abs(piece.breakpoints[:, None] - joints[None, :]).min(axis=1)
        assert distance.max() < 1e-9
        assert piece.region_count == view.region_count
    x = np.linspace(lo, hi, 1001)
    with torch.no_grad():
        expected = group.module("run0")(torch.from_numpy(x).float()[:, None]).double().numpy()
    for index, piece in enumerate(view.pieces):
        np.testing.assert_allclose(piece(x), expected[:, index], atol=1e-5)
        np.testing.assert_allclose(view.output[index], piece(view.x), atol=1e-9)
    assert view.units.weighted.shape == (2, 8, len(view.x))  # both outputs' contributions
