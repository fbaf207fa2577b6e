"""A custom set that trains on all its points (no test set), the training-set accuracy, and user
points that change under a live run (set_data), each against the student's loop or a hand count."""

import math

import numpy as np
import pytest
import torch

from models.datasets import DatasetConfig
from models.engine import RunConfig, RunGroup, Trainer, TrainingConfig, load_run, save_run
from models.loop import Loop
from models.network import ModelConfig

from .conftest import run_config

LINE = tuple(((x,), 0.5 * x - 0.2 + 0.3 * math.sin(7 * x)) for x in np.linspace(-1.5, 1.5, 12))
CLASSES = tuple(((x, y), float(x + 0.5 * y > 0.1)) for x, y in
                np.random.default_rng(3).uniform(-1.5, 1.5, size=(40, 2)))


def custom(name: str, points, train_fraction: float = 1.0, **settings) -> RunConfig:
    inputs = len(points[0][0])
    model = ModelConfig(inputs=inputs, hidden_units=settings.pop("hidden_units", 6),
                        depth=settings.pop("depth", 1))
    return RunConfig(DatasetConfig(name=name, points=points, train_fraction=train_fraction),
                     model, TrainingConfig(**settings))


def test_a_run_without_test_set_matches_the_loop_beside_one_with_a_test_set():
    alone = custom("custom_1d", LINE, optimizer="sgd", learning_rate=0.1, batch_size=5)
    split = custom("custom_1d", LINE[:10], train_fraction=0.7, optimizer="sgd",
                   learning_rate=0.1, seed=4)
    group = RunGroup(alone.model, "sgd", "cpu", eval_every=1)
    group.add("all", alone)
    group.add("split", split)
    assert len(group.dataset("all").x_test) == 0 and len(group.dataset("split").x_test) == 3
    group.step(15)
    expected = {}
    for run_id, config in (("all", alone), ("split", split)):
        loop, expected[run_id] = Loop(config), []
        for _ in range(16):
            expected[run_id].append(loop.losses())
            loop.step()
        history = group.history(run_id)
        np.testing.assert_allclose(history.train_loss, [e[0] for e in expected[run_id]],
                                   rtol=1e-5)
    np.testing.assert_allclose(group.history("split").test_loss,
                               [e[1] for e in expected["split"]], rtol=1e-5)
    assert all(test is None for _, test in expected["all"])
    assert np.isnan(group.history("all").test_loss).all()  # no test set: NaN, the wire's null
    status = group.statuses()["all"]
    assert status.step == 15 and status.test_loss is None and status.accuracy is None
    assert status.train_loss == pytest.approx(expected["all"][-1][0], rel=1e-5)


def hand_accuracy(module: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> float | None:
    """The share of points whose predicted class is right, counted here from the module."""
    if len(x) == 0:
        return None
    with torch.no_grad():
        out = module(x)
    predicted = out.argmax(1) if out.shape[1] > 1 else (out[:, 0] > 0).long()
    truth = y if y.dim() == 1 else y[:, 0].long()
    return float((predicted == truth).float().mean())


@pytest.mark.parametrize("config", [
    custom("custom_2d", CLASSES, optimizer="adam", learning_rate=0.05, batch_size=8),
    custom("custom_2d", CLASSES, train_fraction=0.6, optimizer="adam", learning_rate=0.05),
    run_config(dataset="blobs", n_points=90, inputs=2, outputs=3, optimizer="adam",
               learning_rate=0.05),
])
def test_train_and_test_accuracy_are_hand_counts(config):
    trainer = Trainer(config, device="cpu")
    trainer.step(60)
    status, data, module = trainer.status(), trainer.group.dataset("run"), trainer.module()
    assert status.train_accuracy == pytest.approx(hand_accuracy(module, data.x_train,
                                                                data.y_train), abs=1e-6)
    expected = hand_accuracy(module, data.x_test, data.y_test)
    assert status.accuracy == (None if expected is None else pytest.approx(expected, abs=1e-6))
    assert 0.5 < status.train_accuracy <= 1.0


def test_regression_has_no_accuracy():
    status = Trainer(custom("custom_1d", LINE), device="cpu").status()
    assert status.accuracy is None and status.train_accuracy is None and status.test_loss is None


def test_a_run_without_test_set_checkpoints_and_diverges_without_nan():
    config = custom("custom_1d", LINE, optimizer="sgd", learning_rate=0.1)
    group = RunGroup(config.model, "sgd", "cpu", eval_every=2)
    group.add("a", config)
    group.step(6)
    state = load_run(save_run(group.export_run("a")))
    assert np.isnan(state.history.test_loss).all() and len(state.history) == 4
    again = RunGroup(config.model, "sgd", "cpu", eval_every=2)
    again.import_run("a", state)
    group.step(4)
    again.step(4)
    assert torch.equal(group.export_run("a").parameters, again.export_run("a").parameters)
    wild = custom("custom_1d", LINE, optimizer="sgd", learning_rate=1e6)
    group.add("wild", wild)
    group.step(20)
    status = group.statuses()["wild"]
    assert status.diverged and status.test_loss is None
    assert status.train_loss is None or math.isfinite(status.train_loss)


def moved(points, shift: float):
    return tuple(((x[0] + shift,), y - shift) for x, y in points)


CHANGES = [  # (what changes, expected kind)
    ({}, "none"),
    ({"training": dict(learning_rate=0.5)}, "live"),
    ({"training": dict(optimizer="sgd", batch_size=4, momentum=0.5, weight_decay=0.1)}, "live"),
    ({"dataset": dict(points=moved(LINE, 0.2))}, "data"),
    ({"dataset": dict(train_fraction=0.5)}, "data"),
    ({"dataset": dict(points=LINE[:5]), "training": dict(learning_rate=0.5)}, "data"),
    ({"dataset": dict(seed=3)}, "rebuilt"),
    ({"dataset": dict(name="custom_1d_binary", points=(((0.0,), 1.0), ((1.0,), 0.0)))},
     "rebuilt"),
    ({"dataset": dict(points=moved(LINE, 0.2))}, "rebuilt", "sine"),  # not a custom dataset
    ({"dataset": dict(train_fraction=0.5)}, "rebuilt", "sine"),
    ({"model": dict(hidden_units=7)}, "rebuilt"),
    ({"training": dict(seed=9)}, "rebuilt"),
    ({"dataset": dict(points=LINE[:4]), "training": dict(seed=9)}, "rebuilt"),
]


@pytest.mark.parametrize("change", CHANGES, ids=[str(c[:2]) for c in CHANGES])
def test_change_kind_follows_the_rule(change):
    from dataclasses import replace

    from models.configs import change_kind

    changes, expected = change[0], change[1]
    old = custom("custom_1d", LINE)
    if len(change) > 2:
        old = replace(old, dataset=DatasetConfig(name=change[2]))
    new = replace(old, **{section: replace(getattr(old, section), **values)
                          for section, values in changes.items()})
    assert change_kind(old, new) == expected


def test_set_data_keeps_weights_optimizer_and_step_and_trains_on_the_new_points():
    first = custom("custom_1d", LINE, optimizer="momentum", learning_rate=0.05, momentum=0.8)
    group = RunGroup(first.model, "momentum", "cpu", eval_every=1)
    group.add("a", first)
    group.add("other", custom("custom_1d", LINE[:4], optimizer="momentum", seed=2))
    group.step(10)
    before, other = group.export_run("a"), group.export_run("other")
    new_points = moved(LINE, 0.3) + (((2.5,), 1.0), ((-2.5,), 0.0))  # more points: wider padding
    group.set_data("a", DatasetConfig(name="custom_1d", points=new_points, train_fraction=1.0))
    after = group.export_run("a")
    assert after.step == 10 and torch.equal(after.parameters, before.parameters)
    assert torch.equal(after.optimizer_state["momentum_buffer"],
                       before.optimizer_state["momentum_buffer"])
    assert group.config("a").dataset.points == new_points and len(group.dataset("a").x_train) == 14
    assert torch.equal(group.export_run("other").parameters, other.parameters)
    # The reference: the student's loop on the new points, from the same weights and momentum.
    loop = Loop(group.config("a"))
    torch.nn.utils.vector_to_parameters(before.parameters.clone(), loop.model.parameters())
    buffer = before.optimizer_state["momentum_buffer"]
    offset = 0
    for parameter in loop.model.parameters():
        size = parameter.numel()
        loop.optimizer.state[parameter]["momentum_buffer"] = (
            buffer[offset:offset + size].view_as(parameter).clone())
        offset += size
    expected = [loop.losses()[0]]
    for _ in range(8):
        loop.step()
        expected.append(loop.losses()[0])
    group.step(8)
    history = group.history("a")
    assert list(history.step) == list(range(19))  # the history before the change is kept
    np.testing.assert_allclose(history.train_loss[11:], expected[1:], rtol=1e-5)
    torch.testing.assert_close(group.export_run("a").parameters, loop.parameters(),
                               rtol=1e-5, atol=1e-6)


def test_set_data_starts_a_fresh_epoch_and_switches_the_test_set():
    config = custom("custom_1d", LINE + moved(LINE, 0.1), train_fraction=0.75, optimizer="sgd",
                    batch_size=6)  # 18 training points: 3 batches per epoch
    trainer = Trainer(config, device="cpu", eval_every=1)
    trainer.step(4)
    assert trainer.status().epoch == pytest.approx(4 / 3) and trainer.status().test_loss > 0
    trainer.set_data(DatasetConfig(name="custom_1d", points=LINE, train_fraction=1.0))
    status = trainer.status()  # 12 training points: 2 batches per epoch, from epoch 2 on
    assert status.step == 4 and status.epoch == pytest.approx(2.0) and status.test_loss is None
    trainer.step(3)
    assert trainer.status().epoch == pytest.approx(3.5)
    history = trainer.history()
    assert np.isfinite(history.test_loss[:5]).all() and np.isnan(history.test_loss[5:]).all()


def test_set_data_refuses_data_that_does_not_fit_and_changes_nothing():
    config = custom("custom_1d", LINE)
    group = RunGroup(config.model, "adam", "cpu")
    group.add("a", config)
    group.step(3)
    state = group.export_run("a")
    for bad in (DatasetConfig(name="custom_2d", points=CLASSES), "custom_1d",
                DatasetConfig(name="custom_1d", points=(((0.0,), 1.0),))):
        with pytest.raises(ValueError):
            group.set_data("a", bad)
    assert group.config("a") == config and torch.equal(group.export_run("a").parameters,
                                                        state.parameters)
    group.step(2)
    assert group.statuses()["a"].step == 5
