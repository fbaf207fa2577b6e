"""End to end: every dataset trains, digits reaches 90% test accuracy, and a huge learning rate
is reported as diverged without disturbing the other runs of its group."""

import math

import pytest
import torch

from models.datasets import DATASETS, DatasetConfig
from models.engine import RunConfig, RunGroup, TrainingConfig
from models.network import ModelConfig

USER_POINTS = {
    "custom_1d": (((-1.0,), 0.5), ((-0.4,), -0.6), ((0.0,), 0.3), ((0.5,), 1.2), ((1.0,), -0.4)),
    "custom_1d_binary": (((-1.0,), 0.0), ((-0.5,), 0.0), ((0.2,), 1.0), ((0.6,), 1.0),
                         ((0.9,), 0.0)),
    "custom_2d": (((-1.0, -1.0), 0.0), ((-1.0, 0.5), 0.0), ((1.0, 1.0), 1.0), ((0.5, 1.0), 1.0),
                  ((0.0, -1.0), 0.0)),
}
SYNTHETIC = sorted(name for name in DATASETS if name != "digits")


def config_for(name: str, **training) -> RunConfig:
    info = DATASETS[name]
    dataset = DatasetConfig(name=name, n_points=120, noise=0.05, seed=1,
                            points=USER_POINTS.get(name))
    model = ModelConfig(inputs=info.inputs, outputs=info.outputs, hidden_units=16, depth=2)
    return RunConfig(dataset, model, TrainingConfig(**{"learning_rate": 0.02, **training}))


def test_every_dataset_trains_well_below_its_starting_loss():
    groups: dict[ModelConfig, RunGroup] = {}
    for name in SYNTHETIC:
        config = config_for(name)
        group = groups.setdefault(config.model, RunGroup(config.model, "adam", "cpu", 50))
        group.add(name, config)
    assert sum(len(g) for g in groups.values()) == len(SYNTHETIC)
    for group in groups.values():
        group.step(400)
        for name, status in group.statuses().items():
            start = group.history(name).train_loss[0]
            assert not status.diverged, name
            assert status.train_loss < 0.6 * start, (name, start, status.train_loss)


def test_digits_reaches_ninety_percent_test_accuracy():
    config = RunConfig(DatasetConfig(name="digits", n_points=1797, seed=0),
                       ModelConfig(inputs=64, outputs=10, hidden_units=32, depth=1),
                       TrainingConfig(optimizer="adam", learning_rate=0.01, batch_size=64))
    group = RunGroup(config.model, "adam", "cpu", eval_every=100)
    group.add("digits", config)
    group.step(300)
    status = group.statuses()["digits"]
    assert status.accuracy >= 0.9, status
    assert status.epoch == pytest.approx(300 / math.ceil(len(group.dataset("digits").x_train) / 64))


def test_huge_learning_rate_diverges_alone():
    calm = config_for("sine", optimizer="sgd", learning_rate=0.05)
    wild = config_for("sine", optimizer="sgd", learning_rate=1e5)
    group = RunGroup(calm.model, "sgd", "cpu", eval_every=5)
    group.add("calm", calm)
    group.add("wild", wild)
    alone = RunGroup(calm.model, "sgd", "cpu", eval_every=5)
    alone.add("calm", calm)
    group.step(50)
    alone.step(50)
    statuses = group.statuses()
    wild_status, calm_status = statuses["wild"], statuses["calm"]
    assert wild_status.diverged and not calm_status.diverged
    assert wild_status.step < 50 and calm_status.step == 50
    for value in (wild_status.train_loss, wild_status.test_loss):
        assert value is None or math.isfinite(value)
    history = group.history("wild")
    assert all(math.isfinite(v) for v in [*history.train_loss, *history.test_loss])
    assert calm_status.train_loss == pytest.approx(alone.statuses()["calm"].train_loss, rel=1e-5)
    frozen = group.export_run("wild")
    group.step(10)
    assert group.statuses()["wild"].step == wild_status.step
    assert (group.export_run("wild").parameters == frozen.parameters).all()
    group.reset("wild")
    assert not group.statuses()["wild"].diverged


def test_trainer_is_the_group_of_one():
    from models.engine import Trainer, default_device

    trainer = Trainer(config_for("sine", optimizer="adam"), device="cpu")
    first = trainer.status()
    assert first.step == 0 and first.accuracy is None and not first.diverged
    status = trainer.step(200)
    assert status.step == 200 and status.train_loss < first.train_loss
    assert len(trainer.history()) == 21  # every 10 steps and at step 0
    assert isinstance(trainer.module(), torch.nn.Module)
    trainer.reset()
    assert trainer.status() == first
    assert default_device().type in ("cpu", "cuda")
