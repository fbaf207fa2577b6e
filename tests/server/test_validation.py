"""Bad input over REST: each class gets a 4xx naming the field, never a 500 and never a NaN."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from server.app import create_app
from tests.server.conftest import create, small_settings

POINTS_1D = [{"x": [i / 10 - 1], "y": (i % 3) / 3} for i in range(20)]
BAD_CONFIGS = [
    ({"model": {"hidden_units": "8"}}, ("model", "hidden_units")),  # wrong type, no coercion
    ({"model": {"hidden_units": 8.5}}, ("model", "hidden_units")),
    ({"model": {"hidden_units": True}}, ("model", "hidden_units")),
    ({"model": {"hidden_units": 65}}, ("model", "hidden_units")),  # over max_hidden_units
    ({"model": {"hidden_units": 0}}, ("model", "hidden_units")),
    ({"model": {"depth": 5}}, ("model", "depth")),  # over max_depth
    ({"model": {"activation": "softmax"}}, ("model", "activation")),  # unknown name
    ({"model": {"init": "zeros"}}, ("model", "init")),
    ({"model": {"dropout": 1.0}}, ("model", "dropout")),
    ({"dataset": {"name": "mnist"}}, ("dataset", "name")),
    ({"dataset": {"n_points": 401}}, ("dataset", "n_points")),  # over max_points
    ({"dataset": {"n_points": 1}}, ("dataset", "n_points")),
    ({"dataset": {"noise": -0.1}}, ("dataset", "noise")),
    ({"dataset": {"train_fraction": 1.01}}, ("dataset", "train_fraction")),
    ({"dataset": {"train_fraction": 0}}, ("dataset", "train_fraction")),
    ({"dataset": {"seed": -1}}, ("dataset", "seed")),
    ({"training": {"learning_rate": 0}}, ("training", "learning_rate")),
    ({"training": {"learning_rate": 1e9}}, ("training", "learning_rate")),
    ({"training": {"optimizer": "lbfgs"}}, ("training", "optimizer")),
    ({"training": {"batch_size": 0}}, ("training", "batch_size")),
    ({"training": {"unknown": 1}}, ("training", "unknown")),  # typo'd names are not ignored
    ({"modle": {}}, ("modle",)),
    ({"dataset": {"name": "custom_1d"}}, ("dataset", "points")),  # custom data needs points
    ({"dataset": {"name": "custom_1d", "points": POINTS_1D[:1]}}, ("dataset", "points")),
    ({"dataset": {"name": "custom_2d", "points": POINTS_1D}}, ("dataset", "points")),  # 1-D x
    ({"dataset": {"name": "custom_1d_binary", "points": POINTS_1D}}, ("dataset", "points")),
    ({"dataset": {"name": "custom_1d", "points": [{"x": [20.0], "y": 0}] * 3}},
     ("dataset", "points", "0", "x", "0")),
    ({"dataset": {"name": "custom_1d", "points": [{"x": [0.0, 0.0, 0.0], "y": 0}] * 3}},
     ("dataset", "points", "0", "x")),
    ({"dataset": {"name": "custom_1d", "points": [{"x": [0.1], "y": 0}] * 501}},
     ("dataset", "points")),  # oversized user data
]


def locs(response) -> list[tuple[str, ...]]:
    return [tuple(str(part) for part in error["loc"]) for error in response.json()["detail"]]


@pytest.mark.parametrize(("config", "field"), BAD_CONFIGS)
def test_bad_config_names_the_field(client: TestClient, config: dict, field: tuple) -> None:
    response = client.post("/api/runs", json=config)
    assert response.status_code == 422, response.text
    assert any(loc[1:1 + len(field)] == field for loc in locs(response)), locs(response)
    assert client.get("/api/health").json()["runs"] == 0


@pytest.mark.parametrize("raw", [
    b'{"training": {"learning_rate": NaN}}', b'{"training": {"learning_rate": Infinity}}',
    b'{"training": {"learning_rate": 1e400}}', b'{"dataset": {"noise": -Infinity}}',
])
def test_non_finite_numbers(client: TestClient, raw: bytes) -> None:
    response = client.post("/api/runs", content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 422, response.text


@pytest.mark.parametrize("raw", [b"{", b"[]", b'"text"', b"null x", b"\xff\xfe"])
def test_malformed_json(client: TestClient, raw: bytes) -> None:
    response = client.post("/api/runs", content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 422, response.text


def test_custom_points_work(client: TestClient) -> None:
    run = create(client, {"dataset": {"name": "custom_1d", "points": POINTS_1D}})
    assert run["inputs"] == 1 and run["task"] == "regression"
    data = client.get(f"/api/runs/{run['id']}/data").json()
    assert len(data["train"]["x"]) + len(data["test"]["x"]) == len(POINTS_1D)


def test_bad_train_and_patch_bodies(client: TestClient) -> None:
    run = create(client)
    for body in ({"steps": "10"}, {"steps": -1}, {"steps": 1.5}, {"stepz": 1}, []):
        response = client.post(f"/api/runs/{run['id']}/train", json=body)
        assert response.status_code == 422, (body, response.text)
    for body in ({"model": {"depth": 9}}, {"training": {"momentum": 2}}, {"model": None, "x": 1},
                 {"dataset": {"points": [{"x": "a", "y": 1}]}}):
        response = client.patch(f"/api/runs/{run['id']}", json=body)
        assert response.status_code == 422, (body, response.text)
    assert client.get(f"/api/runs/{run['id']}").json()["step"] == 0  # nothing changed


def test_diverged_run_reports_null_not_nan(client: TestClient) -> None:
    run = create(client, {"training": {"optimizer": "sgd", "learning_rate": 10.0},
                          "model": {"hidden_units": 64, "depth": 4, "init": "he"}})
    trained = client.post(f"/api/runs/{run['id']}/train", json={"steps": 200})
    assert trained.status_code == 200
    body = trained.text
    assert "NaN" not in body and "Infinity" not in body
    assert trained.json()["status"] == "diverged", body
    assert trained.json()["train_loss"] is None
    for path in ("", "/history", "/weights"):
        text = client.get(f"/api/runs/{run['id']}{path}").text
        assert "NaN" not in text and "Infinity" not in text
        json.loads(text)
    assert client.get(f"/api/runs/{run['id']}/function").status_code == 409
    assert client.post(f"/api/runs/{run['id']}/play").status_code == 409
    reset = client.post(f"/api/runs/{run['id']}/reset").json()
    assert reset["status"] == "paused" and reset["train_loss"] is not None


def test_a_run_too_costly_for_the_classroom_is_refused() -> None:
    """max_step_cost bounds parameters x batch points; the count here is the lecture's formula."""
    units, depth, points = 32, 3, 400
    parameters = 3 * units + 1 + (depth - 1) * units * (units + 1)  # one input, one output
    deep = {"model": {"hidden_units": units, "depth": depth}, "dataset": {"n_points": points}}
    settings = small_settings(max_step_cost=parameters * points - 1)
    with TestClient(create_app(settings)) as client:
        response = client.post("/api/runs", json=deep)
        assert response.status_code == 422
        error = response.json()["detail"][0]
        assert error["loc"][-2:] == ["model", "hidden_units"]
        assert "max_step_cost" in error["msg"] and f"{parameters:,} parameters" in error["msg"]
        assert client.get("/api/health").json()["runs"] == 0
        smaller_batch = {**deep, "training": {"batch_size": 32}}  # cost = parameters x 32
        assert client.post("/api/runs", json=smaller_batch).status_code == 201
        options = client.get("/api/options").json()
        assert options["limits"]["max_step_cost"] == parameters * points - 1
