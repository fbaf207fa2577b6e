"""Tests for models/datasets.py: shapes and dtypes, seeding, splits, noise-free ground truth,
learnability with the student's loop, and clear errors for bad configs and user points."""

import math

import numpy as np
import pytest
import torch

from models.configs import RunConfig, TrainingConfig
from models.datasets import (
    DATASETS,
    MAX_USER_POINTS,
    USER_POINT_RANGE,
    DatasetConfig,
    make_dataset,
)
from models.loop import Loop
from models.network import ModelConfig

GROUPS = {"1d_regression", "1d_classification", "2d_classification", "2d_regression",
          "multiclass", "digits", "custom"}
USER_POINTS = {
    "custom_1d": ((( -1.0,), 0.5), ((0.0,), -0.2), ((0.5,), 1.5), ((1.0,), 0.0), ((1.5,), 2.0)),
    "custom_1d_binary": (((-1.0,), 0.0), ((-0.5,), 0.0), ((0.5,), 1.0), ((1.0,), 1.0)),
    "custom_2d": (((-1.0, -1.0), 0.0), ((-1.0, 0.5), 0.0), ((1.0, 1.0), 1.0), ((0.5, 1.0), 1.0)),
}


def config_for(name: str, **overrides) -> DatasetConfig:
    return DatasetConfig(name=name, points=USER_POINTS.get(name), **overrides)


def test_registry_covers_the_issue():
    required = {"sine", "abs", "step", "cubic", "triangle", "gaussian_bump", "noisy_line",
                "circle", "xor", "gaussians", "spiral", "moons", "plane", "bumps", "digits",
                "custom_1d", "custom_1d_binary", "custom_2d"}
    assert required <= set(DATASETS)
    groups = {info.group for info in DATASETS.values()}
    assert groups == GROUPS
    assert any(info.task == "multiclass" and info.inputs == 2 and info.classes >= 3
               for info in DATASETS.values())
    for name, info in DATASETS.items():
        assert info.name == name
        assert info.task in ("regression", "binary", "multiclass")
        assert len(info.input_range) == info.inputs
        assert all(low < high for low, high in info.input_range)
        assert (info.classes is None) == (info.task == "regression")
        multiple = {"two_outputs": 2}  # the lecture's "multiple outputs": 1-D regression
        assert info.outputs == (info.classes if info.task == "multiclass"
                                else multiple.get(name, 1))
        assert info.custom == (info.group == "custom")


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_shapes_dtypes_and_split(name):
    config = config_for(name, n_points=120, train_fraction=0.75)
    data = make_dataset(config)
    info = DATASETS[name]
    assert data.info == info
    n_total = len(data.x_train) + len(data.x_test)
    expected = len(USER_POINTS[name]) if info.custom else 120
    assert n_total == expected
    assert len(data.x_train) > 0 and len(data.x_test) > 0
    if not info.custom:
        assert len(data.x_train) == 90
    for x, y in ((data.x_train, data.y_train), (data.x_test, data.y_test)):
        assert x.dtype == torch.float32 and x.shape == (len(x), info.inputs)
        assert torch.isfinite(x).all()
        if info.task == "multiclass":
            assert y.dtype == torch.int64 and y.shape == (len(x),)
            assert 0 <= y.min() and y.max() < info.classes
        else:
            assert y.dtype == torch.float32 and y.shape == (len(x), info.outputs)
            assert torch.isfinite(y).all()
        if info.task == "binary":
            assert set(y.unique().tolist()) <= {0.0, 1.0}


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_same_config_same_tensors_other_seed_other_tensors(name):
    first, again = make_dataset(config_for(name)), make_dataset(config_for(name))
    for field in ("x_train", "y_train", "x_test", "y_test"):
        assert torch.equal(getattr(first, field), getattr(again, field))
    other = make_dataset(config_for(name, seed=1))
    assert not torch.equal(torch.cat([first.x_train, first.x_test]),
                           torch.cat([other.x_train, other.x_test]))


@pytest.mark.parametrize("name", [n for n, i in DATASETS.items() if not i.custom])
def test_points_mostly_inside_input_range(name):
    data = make_dataset(DatasetConfig(name=name, n_points=400))
    x = torch.cat([data.x_train, data.x_test])
    low = torch.tensor([r[0] for r in data.info.input_range])
    high = torch.tensor([r[1] for r in data.info.input_range])
    inside = ((x >= low) & (x <= high)).all(dim=1).float().mean()
    assert inside > 0.95


def _all(name: str, **overrides):
    data = make_dataset(DatasetConfig(name=name, n_points=500, **overrides))
    return torch.cat([data.x_train, data.x_test]).double(), torch.cat([data.y_train, data.y_test])


@pytest.mark.parametrize("name, target", [
    ("sine", lambda x: np.sin(np.pi * x)),
    ("abs", np.abs),
    ("cubic", lambda x: 2 * x**3 - x),
    ("gaussian_bump", lambda x: np.exp(-x**2 / 0.125)),
    ("noisy_line", lambda x: 0.8 * x + 0.3),
    ("triangle", lambda x: np.interp(x, [-1, -0.75, -0.25, 0.25, 0.75, 1],
                                     [0, -1, 1, -1, 1, 0])),
])
def test_noise_free_1d_targets_match_their_formula(name, target):
    x, y = _all(name, noise=0.0)
    np.testing.assert_allclose(y.numpy()[:, 0], target(x.numpy()[:, 0]), atol=1e-5)


def test_two_outputs_targets_match_their_formulas_and_noise_is_per_output():
    x, y = _all("two_outputs", noise=0.0)
    assert y.shape == (len(x), 2)
    np.testing.assert_allclose(y[:, 0].numpy(), np.sin(np.pi * x[:, 0].numpy()), atol=1e-5)
    np.testing.assert_allclose(y[:, 1].numpy(), np.abs(x[:, 0].numpy()) - 0.5, atol=1e-6)
    x, noisy = _all("two_outputs", noise=0.2)
    residual = noisy.double() - torch.stack([torch.sin(math.pi * x[:, 0]),
                                             x[:, 0].abs() - 0.5], dim=1)
    assert residual.std(dim=0).numpy() == pytest.approx([0.2, 0.2], rel=0.15)
    assert abs(float(torch.corrcoef(residual.T)[0, 1])) < 0.15  # independent noise


def test_noise_free_labels_follow_the_geometry():
    x, y = _all("circle", noise=0.0)
    assert torch.equal(y[:, 0].bool(), x.norm(dim=1) < 0.7)
    x, y = _all("xor", noise=0.0)
    assert torch.equal(y[:, 0].bool(), x[:, 0] * x[:, 1] > 0)
    x, y = _all("interval_1d", noise=0.0)
    assert torch.equal(y[:, 0].bool(), x[:, 0].abs() < 0.5)
    x, y = _all("step", noise=0.0)
    assert torch.equal(y[:, 0].bool(), x[:, 0] > 0)


def test_noise_moves_targets_by_about_its_std():
    x_clean, y_clean = _all("sine", noise=0.0)
    x_noisy, y_noisy = _all("sine", noise=0.3)
    assert torch.equal(x_clean, x_noisy)  # noise is drawn after x
    assert abs((y_noisy - y_clean).std().item() - 0.3) < 0.05


def test_digits_scaled_capped_and_balanced():
    data = make_dataset(DatasetConfig(name="digits", n_points=5000))
    x = torch.cat([data.x_train, data.x_test])
    assert len(x) == 1797 and x.shape[1] == 64
    assert x.min() == 0.0 and x.max() == 1.0
    assert len(torch.cat([data.y_train, data.y_test]).unique()) == 10
    small = make_dataset(DatasetConfig(name="digits", n_points=300))
    assert len(small.x_train) + len(small.x_test) == 300


def test_custom_points_keep_their_values():
    data = make_dataset(config_for("custom_2d"))
    got = sorted(zip(torch.cat([data.x_train, data.x_test]).tolist(),
                     torch.cat([data.y_train, data.y_test])[:, 0].tolist(), strict=True))
    assert got == sorted((list(x), y) for x, y in USER_POINTS["custom_2d"])
    as_lists = [([x[0]], y) for x, y in USER_POINTS["custom_1d"]]  # lists are accepted too
    data = make_dataset(DatasetConfig(name="custom_1d", points=as_lists))
    assert len(data.x_train) + len(data.x_test) == len(as_lists)


@pytest.mark.parametrize("name, points, message", [
    ("custom_1d", None, "at least 2 points"),
    ("custom_1d", (((0.0,), 1.0),), "at least 2 points"),
    ("custom_1d", (((0.0,), 1.0),) * (MAX_USER_POINTS + 1), f"at most {MAX_USER_POINTS}"),
    ("custom_1d", (((0.0,), 1.0), ((math.nan,), 1.0)), "finite"),
    ("custom_1d", (((0.0,), 1.0), ((1.0,), math.inf)), "finite"),
    ("custom_1d", (((0.0,), 1.0), ((USER_POINT_RANGE[1] + 1,), 1.0)), "within"),
    ("custom_1d", (((0.0,), 1.0), ((1.0, 2.0), 1.0)), "1 number"),
    ("custom_2d", (((0.0, 0.0), 1.0), ((1.0,), 0.0)), "2 number"),
    ("custom_1d_binary", (((0.0,), 1.0), ((1.0,), 0.5)), "0 or 1"),
    ("custom_1d", (((0.0,), 1.0), ("bad",)), "points[1]"),
])
def test_bad_user_points_raise_clear_errors(name, points, message):
    with pytest.raises(ValueError, match=r".*" + message.replace("[", r"\[").replace("]", r"\]")):
        make_dataset(DatasetConfig(name=name, points=points))


@pytest.mark.parametrize("overrides, message", [
    ({"name": "nope"}, "unknown dataset"),
    ({"n_points": 1}, "n_points"),
    ({"n_points": 10**6}, "n_points"),
    ({"n_points": 10.5}, "n_points"),
    ({"noise": -0.1}, "noise"),
    ({"noise": math.nan}, "noise"),
    ({"noise": "lots"}, "noise"),
    ({"train_fraction": None}, "train_fraction"),
    ({"train_fraction": 0.0}, "train_fraction"),
    ({"train_fraction": 1.5}, "train_fraction"),
    ({"train_fraction": -0.2}, "train_fraction"),
    ({"seed": -1}, "seed"),
])
def test_bad_configs_raise_clear_errors(overrides, message):
    with pytest.raises(ValueError, match=message):
        make_dataset(DatasetConfig(**overrides))


def test_tiny_dataset_splits_are_non_empty():
    for fraction in (0.01, 0.5, 0.99):
        data = make_dataset(DatasetConfig(n_points=2, train_fraction=fraction))
        assert len(data.x_train) == 1 and len(data.x_test) == 1


@pytest.mark.parametrize("name", ["custom_1d", "custom_2d", "sine", "blobs"])
def test_train_fraction_one_trains_on_every_point(name):
    split = make_dataset(config_for(name, n_points=30))
    data = make_dataset(config_for(name, n_points=30, train_fraction=1.0))
    every = torch.cat([split.x_train, split.x_test])
    assert len(data.x_train) == len(every) and len(data.x_test) == len(data.y_test) == 0
    assert sorted(data.x_train.tolist()) == sorted(every.tolist())  # the same points, all train
    assert data.x_test.shape == (0, data.info.inputs) and data.x_test.dtype == torch.float32
    assert data.y_test.dtype == data.y_train.dtype
    assert data.y_test.shape[1:] == data.y_train.shape[1:]


@pytest.mark.parametrize("name", [n for n in sorted(DATASETS) if n != "digits"])
def test_every_dataset_is_learnable_by_the_students_loop(name):
    """models/loop.py (an MLP + Adam, full batch, weights from a seeded generator, not the global
    RNG) brings the training loss clearly below its start."""
    info = DATASETS[name]
    config = RunConfig(config_for(name, n_points=200),
                       ModelConfig(inputs=info.inputs, outputs=info.outputs, hidden_units=32,
                                   depth=2),
                       TrainingConfig(optimizer="adam", learning_rate=0.01, seed=0))
    loop = Loop(config)
    start, _ = loop.losses()
    loop.step(400)
    end, _ = loop.losses()
    assert end < 0.6 * start
