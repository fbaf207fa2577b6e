"""GET /api/runs/{id}/landscape over the in-process app: its centre is the run's training loss,
its directions are shaped like the run's weights, the two-parameter model's grid is the closed-form
squared error at (beta_0, beta_1), the path grows as the run trains, and bad queries are 4xx
naming the field."""

from __future__ import annotations

import json

import numpy as np
import pytest

from server import landscapes
from server.schemas.landscape import Landscape
from tests.server.conftest import create, server_message


def train(client, run_id: str, steps: int) -> dict:
    response = client.post(f"/api/runs/{run_id}/train", json={"steps": steps})
    assert response.status_code == 200, response.text
    return response.json()


def get_landscape(client, run_id: str, **query) -> dict:
    response = client.get(f"/api/runs/{run_id}/landscape", params=query)
    assert response.status_code == 200, response.text
    return Landscape.model_validate(response.json()).model_dump(mode="json")


def shapes(weights: dict) -> list:
    return [(np.shape(layer["weight"]), np.shape(layer["bias"])) for layer in weights["layers"]]


def test_the_centre_is_the_training_loss_and_the_directions_are_shaped_like_the_weights(client):
    run = create(client, {"model": {"hidden_units": 16}})
    run = train(client, run["id"], 40)
    result = get_landscape(client, run["id"], size=11)
    assert result["kind"] == "random" and result["step"] == 40
    assert result["centre_loss"] == pytest.approx(run["train_loss"], rel=1e-5)
    assert result["loss"][5][5] == pytest.approx(run["train_loss"], rel=1e-5)
    assert result["x"][5] == 0.0 and result["y"][5] == 0.0 and result["centre"] == [0.0, 0.0]
    assert len(result["x"]) == len(result["y"]) == len(result["loss"]) == 11
    weights = client.get(f"/api/runs/{run['id']}/weights").json()
    assert [shapes(d) for d in result["directions"]] == [shapes(weights)] * 2
    assert result["optimizer"] is None
    default = get_landscape(client, run["id"])
    assert len(default["x"]) == 41


def test_the_path_grows_as_it_trains_and_pca_needs_one(client):
    run = create(client, {"model": {"hidden_units": 8}})
    response = client.get(f"/api/runs/{run['id']}/landscape", params={"directions": "pca"})
    assert response.status_code == 409 and "pca" in response.json()["detail"]
    lengths = []
    for _ in range(4):
        train(client, run["id"], 25)
        result = get_landscape(client, run["id"], size=9)
        lengths.append(len(result["path"]["step"]))
        assert result["path"]["step"][-1] == result["step"]
        assert result["path"]["x"][-1] == pytest.approx(0.0, abs=1e-6)
    assert lengths == sorted(lengths) and lengths[-1] > lengths[0]
    pca = get_landscape(client, run["id"], directions="pca", size=9)
    assert pca["kind"] == "pca" and len(pca["path"]["x"]) == lengths[-1]
    reach = max(abs(v) for v in pca["path"]["x"] + pca["path"]["y"])
    assert reach <= max(pca["x"])  # the grid holds the whole path


def test_two_parameter_model_is_drawn_in_beta_0_and_beta_1(client):
    config = {"dataset": {"name": "noisy_line", "n_points": 50},
              "model": {"depth": 0}, "training": {"optimizer": "momentum", "learning_rate": 0.05}}
    run = create(client, config)
    run = train(client, run["id"], 30)
    result = get_landscape(client, run["id"], size=9, span=0.5)
    assert result["kind"] == "parameters" and result["labels"] == ["beta_0", "beta_1"]
    (layer,) = client.get(f"/api/runs/{run['id']}/weights").json()["layers"]
    beta0, beta1 = layer["bias"][0], layer["weight"][0][0]
    assert result["centre"] == pytest.approx([beta0, beta1], abs=1e-12)
    assert result["x"][4] == pytest.approx(beta0) and result["y"][4] == pytest.approx(beta1)
    data = client.get(f"/api/runs/{run['id']}/data").json()["train"]
    x, y = np.array(data["x"])[:, 0], np.array(data["y"])
    for i, j in [(0, 0), (8, 2), (4, 4), (3, 7)]:
        expected = np.mean((y - result["x"][j] - result["y"][i] * x) ** 2)
        assert result["loss"][i][j] == pytest.approx(expected, rel=1e-5)
    residual = y - beta0 - beta1 * x
    assert result["slope"] == pytest.approx([-2 * residual.mean(), -2 * (residual * x).mean()],
                                            rel=1e-4, abs=1e-7)
    optimizer = result["optimizer"]
    assert optimizer["name"] == "momentum" and len(optimizer["velocity"]) == 2
    assert optimizer["adam_scale"] is None
    assert result["path"]["x"][-1] == pytest.approx(beta0)


def test_adam_scale_is_per_parameter(client):
    run = create(client, {"dataset": {"name": "noisy_line"}, "model": {"depth": 0}})
    train(client, run["id"], 10)
    optimizer = get_landscape(client, run["id"], size=5)["optimizer"]
    assert optimizer["name"] == "adam" and len(optimizer["adam_scale"]) == 2
    assert all(s > 0 for s in optimizer["adam_scale"]) and optimizer["velocity"] is None


@pytest.mark.parametrize(("query", "field"), [({"size": 3}, "size"), ({"size": 62}, "size"),
                                              ({"directions": "sideways"}, "directions"),
                                              ({"span": 0}, "span"), ({"span": "wide"}, "span"),
                                              ({"seed": -1}, "seed")])
def test_bad_queries_name_the_field(client, query, field):
    run = create(client)
    response = client.get(f"/api/runs/{run['id']}/landscape", params=query)
    assert response.status_code == 422
    assert any(error["loc"][-1] == field for error in response.json()["detail"])


def test_parameter_axes_for_a_larger_net_is_a_422_naming_directions(client):
    run = create(client)
    response = client.get(f"/api/runs/{run['id']}/landscape", params={"directions": "parameters"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "directions"


def test_unknown_and_diverged_runs(client):
    assert client.get("/api/runs/nope/landscape").status_code == 404
    run = create(client, {"model": {"hidden_units": 16},
                          "training": {"optimizer": "sgd", "learning_rate": 2.0}})
    client.post(f"/api/runs/{run['id']}/train", json={"steps": 200})
    assert client.get(f"/api/runs/{run['id']}").json()["status"] == "diverged"
    assert client.get(f"/api/runs/{run['id']}/landscape").status_code == 409


def test_a_grid_over_the_cost_limit_is_refused_and_the_default_shrinks(client, monkeypatch):
    run = create(client)  # 25 parameters, 80 training points: 2000 per grid point
    monkeypatch.setattr(landscapes, "MAX_LANDSCAPE_COST", 1e6)
    response = client.get(f"/api/runs/{run['id']}/landscape", params={"size": 41})
    assert response.status_code == 422 and response.json()["detail"][0]["loc"][-1] == "size"
    result = get_landscape(client, run["id"])
    assert len(result["x"]) == 21  # the largest odd size with 2000 * size^2 <= 1e6


def test_a_watched_run_records_its_path_on_every_frame(client):
    """Frames (not landscape requests) record the path: one request after playing sees many."""
    run = create(client, {"model": {"hidden_units": 8}})
    with client.websocket_connect(f"/api/runs/{run['id']}/stream") as ws:
        frames = 0
        ws.send_text(json.dumps({"type": "play"}))
        while True:
            message = server_message(ws.receive_text())
            frames += message.type == "frame"
            if message.type == "frame" and message.run.step >= 200 and frames >= 6:
                break
        ws.send_text(json.dumps({"type": "pause"}))
        while getattr(getattr(server_message(ws.receive_text()), "run", None), "status",
                      None) != "paused":
            pass
    result = get_landscape(client, run["id"], size=5)
    steps = result["path"]["step"]
    assert len(steps) >= 5 and steps == sorted(steps) and steps[-1] == result["step"]
