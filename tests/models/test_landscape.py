"""The loss landscape (models/landscape.py) against independent references: the engine's reported
training loss at the centre, the reference MLP with the grid point's weights set by hand and the
loop's own loss function at sampled grid points, the closed-form squared error of
y = beta_0 + beta_1 x for the two-parameter model, and exact plane geometry for the projection."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from models.configs import RunConfig, TrainingConfig
from models.datasets import DATASETS, DatasetConfig, make_dataset
from models.engine import Trainer
from models.landscape import (
    Trajectory,
    flatten,
    landscape,
    pca_directions,
    project,
    random_directions,
    training_arrays,
    unflatten,
)
from models.losses import loss_function
from models.network import MLP, ModelConfig


def trainer_for(dataset: str, steps: int = 30, **model) -> Trainer:
    info = DATASETS[dataset]
    config = RunConfig(DatasetConfig(name=dataset, n_points=120),
                       ModelConfig(inputs=info.inputs, outputs=info.outputs, **model),
                       TrainingConfig(optimizer="adam", learning_rate=0.02))
    trainer = Trainer(config, device="cpu")
    trainer.step(steps)
    return trainer


def layers_of(trainer: Trainer) -> list:
    return trainer.group.layers()[Trainer.RUN_ID]


def slice_of(trainer: Trainer, kind: str = "random", size: int = 9, span: float = 1.0,
             trajectory: Trajectory | None = None):
    x, target = training_arrays(trainer.group.dataset(Trainer.RUN_ID), trainer.config.model)
    task = DATASETS[trainer.config.dataset.name].task
    return landscape(trainer.config.model, layers_of(trainer), x, target, task, kind, size, span,
                     0, trajectory)


CASES = [("sine", {"hidden_units": 16}), ("two_outputs", {"hidden_units": 8, "depth": 2}),
         ("circle", {"hidden_units": 4, "features": ("x1_squared", "x2_squared")}),
         ("blobs", {"hidden_units": 6, "activation": "tanh"}),
         ("moons", {"hidden_units": 6, "batch_norm": True, "dropout": 0.2}),
         ("noisy_line", {"depth": 0})]


@pytest.mark.parametrize(("dataset", "model"), CASES, ids=[c[0] for c in CASES])
def test_the_centre_is_the_training_loss_the_engine_reports(dataset, model):
    trainer = trainer_for(dataset, **model)
    result = slice_of(trainer)
    reported = trainer.status().train_loss
    assert result.centre_loss == pytest.approx(reported, rel=1e-5)  # float64 vs the engine's 32
    assert result.loss[4, 4] == pytest.approx(reported, rel=1e-5)  # size 9: the middle point


def reference_loss(trainer: Trainer, layers: list) -> float:
    """The reference MLP (features inside it, raw inputs) with these weights set Linear by Linear,
    and the training loop's loss function, in float64."""
    config = trainer.config
    module = MLP(config.model).double().eval()
    linears = [m for m in module.modules() if isinstance(m, torch.nn.Linear)]
    with torch.no_grad():
        for linear, (w, b) in zip(linears, layers, strict=True):
            linear.weight.copy_(torch.from_numpy(w))
            linear.bias.copy_(torch.from_numpy(b))
    data = make_dataset(config.dataset)
    with torch.no_grad():
        output = module(data.x_train.double())
    target = data.y_train if data.info.task == "multiclass" else data.y_train.double()
    return float(loss_function(data.info.task)(output, target))


@pytest.mark.parametrize(("dataset", "model"), [c for c in CASES if "batch_norm" not in c[1]],
                         ids=[c[0] for c in CASES if "batch_norm" not in c[1]])
def test_sampled_grid_points_equal_a_direct_evaluation(dataset, model):
    trainer = trainer_for(dataset, **model)
    result = slice_of(trainer, size=7, span=0.8)
    layers = layers_of(trainer)
    centre = flatten(layers)
    d1, d2 = flatten(result.directions[0]), flatten(result.directions[1])
    rng = np.random.default_rng(1)
    for i, j in [(0, 0), (6, 6), (3, 3), *rng.integers(0, 7, size=(3, 2))]:
        a, b = result.xs[j] - result.origin[0], result.ys[i] - result.origin[1]
        point = unflatten(centre + a * d1 + b * d2, layers)
        assert result.loss[i, j] == pytest.approx(reference_loss(trainer, point), rel=2e-6)


def test_random_directions_are_filter_normalised_and_seeded():
    layers = layers_of(trainer_for("sine", hidden_units=16, depth=2))
    directions = random_directions(layers, seed=3)
    assert np.array_equal(directions, random_directions(layers, seed=3))
    assert not np.allclose(directions, random_directions(layers, seed=4))
    assert not np.allclose(directions[0], directions[1])
    for direction in directions:
        for (dw, db), (w, b) in zip(unflatten(direction, layers), layers, strict=True):
            unit = np.linalg.norm(np.concatenate([dw, db[:, None]], 1), axis=1)
            weights = np.linalg.norm(np.concatenate([w, b[:, None]], 1), axis=1)
            np.testing.assert_allclose(unit, weights, rtol=1e-12)


def test_projection_is_exact_for_points_in_the_plane():
    rng = np.random.default_rng(0)
    centre, directions = rng.normal(size=30), rng.normal(size=(2, 30))
    coordinates = rng.normal(size=(12, 2))
    path = centre + coordinates @ directions
    np.testing.assert_allclose(project(path, centre, directions), coordinates, atol=1e-10)
    off = path + rng.normal(size=path.shape)  # points off the plane
    assert not np.allclose(project(off, centre, directions), coordinates, atol=1e-6)


def test_pca_finds_the_plane_of_a_planar_path():
    rng = np.random.default_rng(2)
    centre = rng.normal(size=20)
    basis = np.linalg.qr(rng.normal(size=(20, 2)))[0].T  # (2, 20) orthonormal
    path = centre + rng.normal(size=(15, 2)) @ (basis * [[3.0], [1.0]])
    found = pca_directions(path, centre)
    # the found plane is the basis's plane: projecting the basis onto it loses nothing
    np.testing.assert_allclose(found @ found.T, np.eye(2), atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(basis @ found.T, axis=0), 1.0, atol=1e-10)
    assert pca_directions(path[:1], centre) is None


def test_two_parameter_model_is_the_exact_least_squares_surface_with_its_own_path():
    trainer = trainer_for("noisy_line", steps=0, depth=0)
    trajectory = Trajectory()
    betas = []
    for _ in range(12):
        trainer.step(5)
        (w, b), = layers_of(trainer)
        betas.append((b[0], w[0, 0]))
        trajectory.add(trainer.status().step, layers_of(trainer))
    result = slice_of(trainer, "parameters", size=11, span=0.5, trajectory=trajectory)
    assert result.kind == "parameters"
    np.testing.assert_allclose(result.path, np.array(betas), atol=1e-12)
    assert result.origin == pytest.approx(betas[-1])
    data = make_dataset(trainer.config.dataset)
    x, y = data.x_train.double().numpy()[:, 0], data.y_train.double().numpy()[:, 0]
    for i, j in [(0, 0), (10, 3), (5, 5), (2, 9)]:
        beta0, beta1 = result.xs[j], result.ys[i]
        assert result.loss[i, j] == pytest.approx(np.mean((y - beta0 - beta1 * x) ** 2), rel=2e-6)
    # the slope is the gradient of the mean squared error, written out
    beta0, beta1 = betas[-1]
    residual = y - beta0 - beta1 * x
    np.testing.assert_allclose(result.slope, [-2 * residual.mean(), -2 * (residual * x).mean()],
                               rtol=1e-7)


def test_parameter_axes_and_pca_refuse_what_does_not_apply():
    trainer = trainer_for("sine", steps=0, hidden_units=4)
    with pytest.raises(ValueError, match="two parameters"):
        slice_of(trainer, "parameters")
    with pytest.raises(ValueError, match="pca"):
        slice_of(trainer, "pca", trajectory=Trajectory())


def test_the_grid_widens_to_hold_the_whole_path():
    trainer = trainer_for("sine", steps=0, hidden_units=8)
    trajectory = Trajectory()
    for _ in range(10):
        trainer.step(20)
        trajectory.add(trainer.status().step, layers_of(trainer))
    result = slice_of(trainer, "pca", size=9, span=1e-6, trajectory=trajectory)
    assert len(result.path) == 10 and np.allclose(result.path[-1], 0.0, atol=1e-12)
    assert np.abs(result.path).max() <= result.xs.max()


def test_trajectory_is_bounded_evenly_thinned_and_restarts():
    trajectory = Trajectory(limit=20)
    layers = [(np.zeros((1, 1)), np.zeros(1))]
    for step in range(0, 1001):
        trajectory.add(step, [(np.full((1, 1), float(step)), np.zeros(1))])
    steps, points = trajectory.matrix(2)
    assert 10 <= len(steps) <= 21
    assert steps[0] == 0 and steps[-1] == 1000 and points[-1][0] == 1000.0
    gaps = np.diff(steps[:-1])
    assert gaps.max() <= 2 * gaps.min()
    trajectory.add(5, layers)  # a reset: the step went back
    assert list(trajectory.matrix(2)[0]) == [5]
    trajectory.add(6, [(np.zeros((2, 1)), np.zeros(2))])  # another architecture
    assert list(trajectory.matrix(4)[0]) == [6] and len(trajectory.matrix(2)[0]) == 0
