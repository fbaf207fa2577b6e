"""The batched engine against the student's loop (models/loop.py): a plain MLP trained alone with
torch.optim on the same batches must give the same losses and weights, step for step, run by run."""

import numpy as np
import pytest
import torch

from models.engine import RunGroup, TrainingConfig
from models.loop import Loop

from .conftest import run_config

TOLERANCE = 1e-5


def group_for(*configs, eval_every: int = 1) -> RunGroup:
    group = RunGroup(configs[0].model, configs[0].training.optimizer, "cpu", eval_every)
    for index, config in enumerate(configs):
        group.add(f"run{index}", config)
    return group


def assert_matches(group: RunGroup, run_id: str, reference: Loop, steps: int,
                   weight_tolerance: float = TOLERANCE) -> None:
    """The engine's per-step full losses and final weights equal the reference's."""
    expected = [reference.losses()]
    for _ in range(steps):
        reference.step()
        expected.append(reference.losses())
    history = group.history(run_id)
    assert list(history.step) == list(range(steps + 1))
    np.testing.assert_allclose(history.train_loss, [e[0] for e in expected], rtol=TOLERANCE,
                               atol=TOLERANCE)
    np.testing.assert_allclose(history.test_loss, [e[1] for e in expected], rtol=TOLERANCE,
                               atol=TOLERANCE)
    weights = group.export_run(run_id).parameters
    torch.testing.assert_close(weights, reference.parameters(), rtol=weight_tolerance,
                               atol=weight_tolerance)


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
@pytest.mark.parametrize("activation", ["relu", "tanh", "leaky_relu", "gelu", "sigmoid", "silu"])
def test_single_run_matches_reference(activation, optimizer):
    learning_rate = 0.01 if optimizer == "adam" else 0.1
    config = run_config(activation=activation, optimizer=optimizer, depth=2,
                        learning_rate=learning_rate, batch_size=8, weight_decay=0.01)
    group = group_for(config)
    group.step(25)
    assert_matches(group, "run0", Loop(config), 25)


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_group_of_different_runs_matches_each_reference(optimizer):
    base = dict(optimizer=optimizer, depth=1, hidden_units=6)
    configs = [
        run_config(n_points=30, learning_rate=0.05, batch_size=None, seed=1, **base),
        run_config(n_points=50, learning_rate=0.02, batch_size=7, seed=2, **base),
        run_config(dataset="interval_1d", n_points=45, learning_rate=0.1, batch_size=16,
                   seed=3, **base),
        run_config(dataset="abs", n_points=20, learning_rate=0.03, batch_size=64, seed=4,
                   momentum=0.5, weight_decay=0.1, **base),
    ]
    group = group_for(*configs)
    group.step(20)
    for index, config in enumerate(configs):
        assert_matches(group, f"run{index}", Loop(config), 20)


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_multiclass_and_two_inputs_match_reference(optimizer):
    config = run_config(dataset="blobs", n_points=60, inputs=2, outputs=3, depth=2,
                        activation="tanh", optimizer=optimizer, batch_size=10,
                        learning_rate=0.05)
    group = group_for(config, run_config(dataset="blobs", n_points=30, inputs=2, outputs=3,
                                         depth=2, activation="tanh", optimizer=optimizer, seed=5))
    group.step(15)
    assert_matches(group, "run0", Loop(config), 15)


@pytest.mark.parametrize("init", ["default", "he", "xavier"])
def test_linear_model_and_inits_match_reference(init):
    config = run_config(depth=0, init=init, optimizer="sgd", learning_rate=0.2)
    group = group_for(config)
    group.step(10)
    assert_matches(group, "run0", Loop(config), 10)


def test_batch_norm_matches_reference_in_training_and_eval_mode():
    # Not Adam: batch norm makes the gradient of the preceding bias exactly zero in theory, and
    # Adam turns the float noise left in its place into full-size steps of either sign.
    config = run_config(batch_norm=True, depth=2, optimizer="momentum", batch_size=9,
                        n_points=37)
    group = group_for(config, run_config(batch_norm=True, depth=2, optimizer="momentum", seed=3))
    group.step(12)
    reference = Loop(config)
    # Weights feeding batch norm are scale-invariant: float noise in them is not damped.
    assert_matches(group, "run0", reference, 12, weight_tolerance=2e-4)
    module = group.module("run0")
    for ours, theirs in zip(module.layers, reference.model.layers, strict=True):
        if isinstance(ours, torch.nn.BatchNorm1d):
            torch.testing.assert_close(ours.running_mean, theirs.running_mean, atol=1e-5,
                                       rtol=1e-5)
            torch.testing.assert_close(ours.running_var, theirs.running_var, atol=1e-5,
                                       rtol=1e-5)


def test_step_on_named_runs_leaves_the_others_bit_for_bit():
    configs = [run_config(seed=s, batch_size=8, optimizer="adam") for s in range(3)]
    group = group_for(*configs)
    group.step(5)
    before = {r: group.export_run(r) for r in group.run_ids}
    group.step(7, run_ids=["run1"])
    after = {r: group.export_run(r) for r in group.run_ids}
    for run_id in ("run0", "run2"):
        assert torch.equal(before[run_id].parameters, after[run_id].parameters)
        for name, value in before[run_id].optimizer_state.items():
            assert torch.equal(value, after[run_id].optimizer_state[name])
        assert after[run_id].step == 5
    assert after["run1"].step == 12
    alone = group_for(configs[1])
    alone.step(12)
    torch.testing.assert_close(alone.export_run("run0").parameters, after["run1"].parameters,
                               rtol=1e-6, atol=1e-6)


def test_live_learning_rate_change_keeps_the_step_and_matches_reference():
    config = run_config(optimizer="momentum", learning_rate=0.05, batch_size=10)
    group = group_for(config)
    reference = Loop(config)
    group.step(6)
    reference.step(6)
    faster = TrainingConfig(optimizer="momentum", learning_rate=0.2, batch_size=10)
    group.set_training("run0", faster)
    for param_group in reference.optimizer.param_groups:
        param_group["lr"] = 0.2
    group.step(6)
    reference.step(6)
    status = group.statuses()["run0"]
    assert status.step == 12
    assert group.config("run0").training.learning_rate == 0.2
    torch.testing.assert_close(group.export_run("run0").parameters, reference.parameters(),
                               rtol=TOLERANCE, atol=TOLERANCE)


def test_live_batch_size_change_starts_a_fresh_epoch():
    config = run_config(optimizer="sgd", batch_size=10, n_points=40)  # 32 train points: 4 steps
    group = group_for(config)
    group.step(6)  # epoch 1, halfway
    assert group.statuses()["run0"].epoch == pytest.approx(1.5)
    group.set_training("run0", TrainingConfig(optimizer="sgd", batch_size=16))
    group.step(2)  # a whole fresh epoch of 2 batches
    status = group.statuses()["run0"]
    assert status.step == 8 and status.epoch == pytest.approx(3.0)


def test_reset_returns_to_the_seeded_start():
    config = run_config(batch_size=8)
    group = group_for(config)
    start = group.export_run("run0").parameters
    first = group.statuses()["run0"]
    group.step(10)
    group.reset("run0")
    assert torch.equal(group.export_run("run0").parameters, start)
    again = group.statuses()["run0"]
    assert again.step == 0 and again.train_loss == first.train_loss
    assert list(group.history("run0").step) == [0]


def test_same_seed_same_numbers_and_other_seed_differs():
    results = []
    for seed in (3, 3, 4):
        group = group_for(run_config(seed=seed, batch_size=8, optimizer="adam"))
        group.step(30)
        results.append(group.history("run0").train_loss)
    np.testing.assert_array_equal(results[0], results[1])
    assert not np.array_equal(results[0], results[2])


def test_dropout_is_seeded_and_trains():
    config = run_config(dropout=0.3, depth=2, hidden_units=16, batch_size=16, n_points=80)
    losses = []
    for _ in range(2):
        group = group_for(config, eval_every=50)
        group.step(300)
        losses.append(group.history("run0").train_loss)
    np.testing.assert_array_equal(losses[0], losses[1])
    assert losses[0][-1] < 0.7 * losses[0][0]


def test_history_drains_only_new_points_and_keeps_everything():
    group = group_for(run_config(), eval_every=5)
    group.step(10)
    assert list(group.drain_history()["run0"].step) == [0, 5, 10]
    group.step(10)
    assert list(group.drain_history()["run0"].step) == [15, 20]
    assert list(group.history("run0").step) == [0, 5, 10, 15, 20]
    assert len(group.drain_history()["run0"]) == 0


def test_module_and_layers_reproduce_the_engine_outputs():
    config = run_config(depth=2, batch_norm=True, batch_size=8)
    group = group_for(config)
    group.step(10)
    module = group.module("run0")
    x = torch.linspace(-1, 1, 17).reshape(-1, 1)
    with torch.no_grad():
        expected = module(x).double().numpy()
    layers = group.layers()["run0"]
    h = x.double().numpy().T
    for index, (weight, bias) in enumerate(layers):
        h = weight @ h + bias[:, None]
        if index < len(layers) - 1:
            h = np.maximum(h, 0)
    np.testing.assert_allclose(h.T, expected, rtol=1e-5, atol=1e-5)
    for (w1, b1), (w2, b2) in zip(module.affine_layers(), layers, strict=True):
        np.testing.assert_allclose(w1, w2, rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(b1, b2, rtol=1e-6, atol=1e-7)


def test_add_and_remove_keep_other_runs_intact():
    group = group_for(run_config(seed=1, n_points=30), run_config(seed=2, n_points=60))
    group.step(5)
    kept = group.export_run("run1").parameters
    group.remove("run0")
    assert group.run_ids == ["run1"] and "run0" not in group and len(group) == 1
    group.add("late", run_config(seed=9, n_points=90))
    assert torch.equal(group.export_run("run1").parameters, kept)
    group.step(3)
    statuses = group.statuses()
    assert statuses["run1"].step == 8 and statuses["late"].step == 3


def test_bad_input_raises_value_error():
    group = group_for(run_config())
    with pytest.raises(ValueError, match="already"):
        group.add("run0", run_config())
    with pytest.raises(ValueError, match="model"):
        group.add("other", run_config(hidden_units=3))
    with pytest.raises(ValueError, match="optimizer"):
        group.set_training("run0", TrainingConfig(optimizer="sgd"))
    with pytest.raises(ValueError, match="input"):
        group.add("two_d", run_config(dataset="circle"))
    with pytest.raises(ValueError, match="n must be"):
        group.step(-1)
    with pytest.raises(ValueError, match="learning_rate"):
        TrainingConfig(learning_rate=float("nan"))
    with pytest.raises(ValueError, match="batch_size"):
        TrainingConfig(batch_size=0)
    with pytest.raises(KeyError):
        group.step(1, run_ids=["missing"])


def test_history_of_runs_out_of_phase_and_buffer_growth(monkeypatch):
    import models.engine.history
    monkeypatch.setattr(models.engine.history, "PENDING_LIMIT", 100)
    group = group_for(run_config(seed=1), run_config(seed=2), eval_every=5)
    group.step(3, run_ids=["run0"])
    group.step(10)
    assert list(group.history("run0").step) == [0, 5, 10]
    assert list(group.history("run1").step) == [0, 5, 10]
    group.step(700)  # more than the initial buffer and than the pending limit
    for run_id, steps in (("run0", 713), ("run1", 710)):
        history = group.history(run_id)
        assert list(history.step) == list(range(0, steps + 1, 5))
        assert np.isfinite(history.train_loss).all()


READ_BACKS = ("item", "tolist", "cpu", "numpy", "__bool__", "__int__", "__float__", "__index__")


@pytest.mark.parametrize("settings", [dict(optimizer="adam", batch_size=8),
                                      dict(optimizer="momentum", batch_size=None),
                                      dict(optimizer="sgd", batch_norm=True, batch_size=5)])
def test_a_step_reads_nothing_back_from_the_device(monkeypatch, settings):
    """The engine's speed: group.step() (the loop, the divergence mask, the recording of its
    evaluations) never copies a value from the device to the host."""
    group = group_for(run_config(seed=1, **settings),
                      run_config(dataset="abs", n_points=30, seed=2, **settings), eval_every=3)
    group.step(4)  # warm: the history buffers exist and the evaluation set is cached
    reads = []

    def forbid(name):
        def read_back(self, *args, **kwargs):
            reads.append(name)
            raise AssertionError(f"Tensor.{name} inside step()")
        return read_back

    for name in READ_BACKS:
        monkeypatch.setattr(torch.Tensor, name, forbid(name))
    group.step(20)
    group.step(7, run_ids=["run1"])
    monkeypatch.undo()
    assert reads == []
    assert [s.step for s in group.statuses().values()] == [24, 31]
    assert list(group.history("run1").step) == list(range(0, 31, 3))
