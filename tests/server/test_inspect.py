"""POST /api/runs/{id}/inspect: the next step of a paused run in float64, which the engine then
takes when it is committed (POST .../train with steps 1); finite differences on request; 409 for a
running, diverged or batch-norm run, 404 for an unknown one, 422 naming a bad field."""

from __future__ import annotations

import numpy as np
import pytest
from fastapi.testclient import TestClient

from server.schemas.inspect import Inspection
from tests.server.conftest import create

CONFIG = {"dataset": {"name": "sine", "n_points": 50},
          "model": {"hidden_units": [6, 4], "depth": 2, "activation": "tanh"},
          "training": {"optimizer": "adam", "batch_size": 8, "learning_rate": 0.02}}


def inspect(client: TestClient, run_id: str, body: dict | None = None):
    return client.post(f"/api/runs/{run_id}/inspect", json=body)


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_committing_takes_exactly_the_inspected_step(client: TestClient, optimizer) -> None:
    config = {**CONFIG, "training": {**CONFIG["training"], "optimizer": optimizer}}
    run = create(client, config)
    client.post(f"/api/runs/{run['id']}/train", json={"steps": 7})
    answer = inspect(client, run["id"])
    assert answer.status_code == 200, answer.text
    step = Inspection.model_validate(answer.json())
    assert step.step == 7 and len(step.indices) == 8 and len(step.layers) == 3
    assert [len(layer.pre) for layer in step.layers] == [6, 4, 1]
    assert all(len(row) == 8 for layer in step.layers for row in layer.pre)
    before = client.get(f"/api/runs/{run['id']}/weights").json()
    assert inspect(client, run["id"]).json() == answer.json()  # reading changes nothing
    assert client.get(f"/api/runs/{run['id']}/weights").json() == before
    committed = client.post(f"/api/runs/{run['id']}/train", json={"steps": 1}).json()
    assert committed["step"] == 8
    after = client.get(f"/api/runs/{run['id']}/weights").json()
    for ours, engine, old in zip(step.new_weights.layers, after["layers"], before["layers"],
                                 strict=True):
        np.testing.assert_allclose(ours.weight, engine["weight"], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(ours.bias, engine["bias"], rtol=1e-5, atol=1e-6)
        assert not np.allclose(engine["weight"], old["weight"], rtol=0, atol=1e-7)
    change = np.array(step.layers[0].update.weight.change)
    np.testing.assert_allclose(np.array(before["layers"][0]["weight"]) + change,
                               step.new_weights.layers[0].weight)


def test_the_preview_is_the_function_after_the_step(client: TestClient) -> None:
    run = create(client, {**CONFIG, "model": {"hidden_units": 5, "depth": 1}})
    step = inspect(client, run["id"]).json()
    client.post(f"/api/runs/{run['id']}/train", json={"steps": 1})
    function = client.get(f"/api/runs/{run['id']}/function").json()
    mine = np.interp(function["x"], step["preview"]["x"], step["preview"]["y"][0])
    np.testing.assert_allclose(mine, function["y"][0], rtol=1e-4, atol=1e-4)


def test_a_finite_difference_check_next_to_backprop(client: TestClient) -> None:
    run = create(client, CONFIG)
    client.post(f"/api/runs/{run['id']}/train", json={"steps": 3})
    for check in [{"layer": 1, "row": 2, "column": 3}, {"layer": 2, "row": 0, "column": None}]:
        answer = inspect(client, run["id"], {"check": check})
        assert answer.status_code == 200, answer.text
        result = answer.json()["check"]
        layer = answer.json()["layers"][check["layer"]]
        exact = (layer["grad_bias"][0] if check["column"] is None
                 else layer["grad_weight"][check["row"]][check["column"]])
        assert result["backprop"] == exact
        assert result["finite_difference"] == pytest.approx(exact, rel=1e-5, abs=1e-9)


@pytest.mark.parametrize("check, field", [
    ({"layer": 3, "row": 0, "column": 0}, "layer"),
    ({"layer": 0, "row": 6, "column": 0}, "row"),
    ({"layer": 1, "row": 0, "column": 6}, "column"),
    ({"layer": -1, "row": 0}, "layer"),
    ({"layer": 0, "row": "1"}, "row"),
    ({"layer": 0, "row": 0, "extra": 1}, "extra"),
])
def test_bad_checks_are_422_naming_the_field(client: TestClient, check, field) -> None:
    run = create(client, CONFIG)
    answer = inspect(client, run["id"], {"check": check})
    assert answer.status_code == 422, answer.text
    assert field in answer.json()["detail"][0]["loc"]


def test_unknown_running_diverged_and_batch_norm_runs(client: TestClient) -> None:
    assert inspect(client, "nope").status_code == 404
    run = create(client, CONFIG)
    assert client.post(f"/api/runs/{run['id']}/play").status_code == 200
    answer = inspect(client, run["id"])
    assert answer.status_code == 409 and "pause" in answer.json()["detail"]
    client.post(f"/api/runs/{run['id']}/pause")
    assert inspect(client, run["id"]).status_code == 200
    norm = create(client, {"model": {"batch_norm": True}})
    answer = inspect(client, norm["id"])
    assert answer.status_code == 409 and "batch norm" in answer.json()["detail"]
    wild = create(client, {"training": {"optimizer": "sgd", "learning_rate": 10.0},
                           "model": {"hidden_units": 64, "depth": 4, "init": "he"}})
    diverged = client.post(f"/api/runs/{wild['id']}/train", json={"steps": 200}).json()
    assert diverged["status"] == "diverged"
    answer = inspect(client, wild["id"])
    assert answer.status_code == 409 and "diverged" in answer.json()["detail"]


def test_two_inputs_and_classes_have_no_preview(client: TestClient) -> None:
    run = create(client, {"dataset": {"name": "blobs", "n_points": 40},
                          "model": {"hidden_units": 4}})
    step = Inspection.model_validate(inspect(client, run["id"]).json())
    assert step.preview is None and step.task == "multiclass"
    assert len(step.targets) == 3 and all(sum(col) == 1 for col in zip(*step.targets, strict=True))
    assert step.loss == pytest.approx(np.mean(step.losses))


def test_a_step_too_large_to_send_is_409_naming_the_batch(client: TestClient, monkeypatch) -> None:
    run = create(client, CONFIG)
    from server import inspecting
    sizes = {}
    original = inspecting.answer_size
    monkeypatch.setattr(inspecting, "answer_size", lambda step: sizes.setdefault(
        "n", original(step)))
    assert inspect(client, run["id"]).status_code == 200
    monkeypatch.setattr(inspecting, "MAX_NUMBERS", sizes["n"] - 1)
    answer = inspect(client, run["id"])
    assert answer.status_code == 409 and "too large" in answer.json()["detail"]
