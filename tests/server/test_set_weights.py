"""Weights by hand over the API: PUT /api/runs/{id}/weights and the websocket `set_weights`. The
weights come back as set, the exact analysis is that of weights with known kinks at once, the step
stays and the optimizer state starts afresh, bad layers are a 422 naming the field, batch norm a
409, and a diverged or failed run gets its way out."""

from __future__ import annotations

import json

import numpy as np
import pytest
from fastapi.testclient import TestClient

from models.engine import RunGroup, load_run
from server.schemas import ErrorMessage, Frame, WeightsResult, WeightsSet
from tests.server.conftest import create, server_message

KINKS = [-0.5, 0.0, 0.5]
# h_d = relu(x - k_d); f = h_1 - 2 h_2 + h_3: slopes 0, 1, -1, 0 between the kinks
THREE_KINKS = {"layers": [{"weight": [[1.0], [1.0], [1.0]], "bias": [0.5, 0.0, -0.5]},
                          {"weight": [[1.0, -2.0, 1.0]], "bias": [0.25]}]}


def put(client: TestClient, run_id: str, weights: dict):
    return client.put(f"/api/runs/{run_id}/weights", json=weights)


def test_the_weights_set_come_back_and_the_analysis_follows(client: TestClient) -> None:
    run = create(client, {"model": {"hidden_units": 3}})
    trained = client.post(f"/api/runs/{run['id']}/train", json={"steps": 30}).json()
    answer = put(client, run["id"], THREE_KINKS)
    assert answer.status_code == 200, answer.text
    result = WeightsResult.model_validate(answer.json())
    assert result.optimizer_reset and result.run.step == trained["step"] == 30
    assert result.run.linear_regions == 4
    assert client.get(f"/api/runs/{run['id']}/weights").json() == THREE_KINKS
    function = client.get(f"/api/runs/{run['id']}/function").json()
    np.testing.assert_allclose(function["piecewise"]["breakpoints"][0], KINKS, atol=1e-6)
    assert [p["slope"] for p in function["piecewise"]["pieces"][0]] == [0.0, 1.0, -1.0, 0.0]
    np.testing.assert_allclose(function["units"]["joints"], KINKS, atol=1e-6)
    assert function["network"]["layers"][0]["bias"] == [0.5, 0.0, -0.5]
    state = load_run(client.get(f"/api/runs/{run['id']}/checkpoint").content)
    assert state.step == 30 and state.optimizer_origin == 30  # Adam counts afresh from here
    assert all(not value.any() for value in state.optimizer_state.values())
    assert len(client.get(f"/api/runs/{run['id']}/history").json()["step"]) == 4  # 0..30 by 10
    again = client.post(f"/api/runs/{run['id']}/train", json={"steps": 5}).json()
    assert again["step"] == 35 and again["linear_regions"] <= 4


def test_watchers_are_told_and_get_the_new_function_at_once(client: TestClient) -> None:
    run = create(client, {"model": {"hidden_units": 3}})
    with client.websocket_connect(f"/api/runs/{run['id']}/stream") as ws:
        server_message(ws.receive_text())
        ws.send_text(json.dumps({"type": "set_weights", **THREE_KINKS}))
        message = server_message(ws.receive_text())
        while not isinstance(message, WeightsSet):
            message = server_message(ws.receive_text())
        assert message.optimizer_reset and message.step == 0 and "weights" in message.message
        frame = server_message(ws.receive_text())
        assert isinstance(frame, Frame) and frame.run.linear_regions == 4
        np.testing.assert_allclose(frame.function.piecewise.breakpoints[0], KINKS, atol=1e-6)
        # a bad layer: an error naming it, and the stream stays
        bad = {"layers": [THREE_KINKS["layers"][0], {"weight": [[1.0, 2.0]], "bias": [0.0]}]}
        ws.send_text(json.dumps({"type": "set_weights", **bad}))
        message = server_message(ws.receive_text())
        assert isinstance(message, ErrorMessage) and message.field == "layers.1.weight"
        ws.send_text(json.dumps({"type": "step", "steps": 1}))
        while not (isinstance(message, Frame) and message.run.step == 1):
            message = server_message(ws.receive_text())


@pytest.mark.parametrize(("layers", "loc"), [
    ([THREE_KINKS["layers"][0]], ["body", "layers"]),
    ([THREE_KINKS["layers"][0], {"weight": [[1.0, -2.0]], "bias": [0.25]}],
     ["body", "layers", "1", "weight"]),
    ([THREE_KINKS["layers"][0], {"weight": [[1.0, -2.0, 1.0]], "bias": [0.25, 1.0]}],
     ["body", "layers", "1", "bias"]),
    ([{"weight": [[1e39], [1.0], [1.0]], "bias": [0.5, 0.0, -0.5]}, THREE_KINKS["layers"][1]],
     ["body", "layers", "0", "weight"]),
    ([{"weight": [[1.0], [1.0, 2.0], [1.0]], "bias": [0.5, 0.0, -0.5]},
      THREE_KINKS["layers"][1]], ["body", "layers", "0", "weight"]),
    ([{"weight": [["1"], [1.0], [1.0]], "bias": [0.5, 0.0, -0.5]}, THREE_KINKS["layers"][1]],
     ["body", "layers", 0, "weight", 0, 0]),
    ([{"weight": [[1.0], [1.0], [1.0]], "bias": [0.5, 0.0, -0.5], "gamma": [1.0]},
      THREE_KINKS["layers"][1]], ["body", "layers", 0, "gamma"]),
])
def test_bad_layers_are_a_422_naming_the_field_and_change_nothing(
        client: TestClient, layers: list, loc: list) -> None:
    run = create(client, {"model": {"hidden_units": 3}})
    before = client.get(f"/api/runs/{run['id']}/weights").json()
    answer = put(client, run["id"], {"layers": layers})
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == loc
    assert client.get(f"/api/runs/{run['id']}/weights").json() == before


def test_nan_and_infinity_are_refused_by_the_parser(client: TestClient) -> None:
    run = create(client, {"model": {"hidden_units": 3}})
    for token in ("NaN", "Infinity"):
        body = json.dumps(THREE_KINKS).replace("0.25", token)
        answer = client.put(f"/api/runs/{run['id']}/weights", content=body,
                            headers={"content-type": "application/json"})
        assert answer.status_code == 422


def test_batch_norm_nets_are_refused_with_a_409(client: TestClient) -> None:
    run = create(client, {"model": {"hidden_units": 3, "batch_norm": True}})
    weights = client.get(f"/api/runs/{run['id']}/weights").json()
    answer = put(client, run["id"], weights)
    assert answer.status_code == 409 and "batch norm" in answer.json()["detail"]


def test_a_diverged_run_is_given_a_way_out(client: TestClient) -> None:
    run = create(client, {"training": {"optimizer": "sgd", "learning_rate": 10.0},
                          "model": {"hidden_units": 64, "depth": 4, "init": "he"}})
    diverged = client.post(f"/api/runs/{run['id']}/train", json={"steps": 200}).json()
    assert diverged["status"] == "diverged"
    assert client.post(f"/api/runs/{run['id']}/play").status_code == 409
    rng = np.random.default_rng(0)
    widths = [1, 64, 64, 64, 64, 1]
    weights = {"layers": [{"weight": (0.1 * rng.normal(size=(b, a))).tolist(),
                           "bias": [0.0] * b} for a, b in zip(widths, widths[1:], strict=False)]}
    answer = put(client, run["id"], weights)
    assert answer.status_code == 200, answer.text
    revived = answer.json()["run"]
    assert revived["status"] == "paused" and revived["train_loss"] is not None
    assert revived["step"] == diverged["step"]
    assert client.get(f"/api/runs/{run['id']}/function").status_code == 200
    client.patch(f"/api/runs/{run['id']}", json={"training": {"learning_rate": 0.001}})
    after = client.post(f"/api/runs/{run['id']}/train", json={"steps": 10}).json()
    assert after["status"] == "paused" and after["step"] == diverged["step"] + 10


def test_a_failed_run_is_given_a_way_out(client: TestClient,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    run = create(client, {"model": {"hidden_units": 3}})
    original = RunGroup.step
    broken = {"on": True}

    def step(self, n=1, run_ids=None):
        if broken["on"] and run_ids and run["id"] in run_ids:
            raise RuntimeError("injected step fault")
        return original(self, n, run_ids)

    monkeypatch.setattr(RunGroup, "step", step)
    assert client.post(f"/api/runs/{run['id']}/train", json={"steps": 5}).status_code == 409
    assert client.get(f"/api/runs/{run['id']}").json()["status"] == "failed"
    broken["on"] = False
    answer = put(client, run["id"], THREE_KINKS)
    assert answer.status_code == 200
    assert answer.json()["run"]["status"] == "paused" and answer.json()["run"]["error"] is None
    assert client.post(f"/api/runs/{run['id']}/train", json={"steps": 5}).json()["step"] >= 5
