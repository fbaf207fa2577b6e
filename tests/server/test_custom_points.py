"""Custom points: adding or moving a point keeps the network (its weights, optimiser state and
step) and goes on training on the new points (`applied: "data"`); a custom set may train on all
its points (train_fraction 1: no test set, so no test loss or test accuracy, but a train accuracy).
Before, every click rebuilt the run from step 0 and a fifth of the points silently became tests."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.server.conftest import create

POINTS = [{"x": [-0.8], "y": 0.0}, {"x": [-0.2], "y": 0.0}, {"x": [0.3], "y": 1.0},
          {"x": [0.9], "y": 1.0}]


def custom_run(client: TestClient, **dataset) -> dict:
    return create(client, {"dataset": {"name": "custom_1d_binary", "points": POINTS, **dataset}})


def test_new_points_keep_the_network(client: TestClient) -> None:
    run = custom_run(client)
    path = f"/api/runs/{run['id']}"
    client.post(f"{path}/train", json={"steps": 30})
    before = client.get(f"{path}/weights").json()
    answer = client.patch(path, json={"dataset": {"points": [*POINTS,
                                                             {"x": [0.5], "y": 1.0}]}})
    assert answer.status_code == 200 and answer.json()["applied"] == "data"
    assert answer.json()["run"]["step"] == 30
    assert client.get(f"{path}/weights").json() == before  # the same network, new data
    data = client.get(f"{path}/data").json()
    assert len(data["train"]["x"]) + len(data["test"]["x"]) == 5
    assert client.post(f"{path}/train", json={"steps": 10}).json()["step"] == 40


def test_another_dataset_still_rebuilds(client: TestClient) -> None:
    run = custom_run(client)
    path = f"/api/runs/{run['id']}"
    client.post(f"{path}/train", json={"steps": 30})
    answer = client.patch(path, json={"dataset": {"name": "threshold_1d", "points": None}})
    assert answer.json()["applied"] == "rebuilt" and answer.json()["run"]["step"] == 0


def test_all_points_can_train(client: TestClient) -> None:
    run = custom_run(client, train_fraction=1.0)
    path = f"/api/runs/{run['id']}"
    data = client.get(f"{path}/data").json()
    assert len(data["train"]["x"]) == 4 and data["test"]["x"] == []
    trained = client.post(f"{path}/train", json={"steps": 200}).json()
    assert trained["test_loss"] is None and trained["accuracy"] is None
    assert trained["train_loss"] is not None and 0.0 <= trained["train_accuracy"] <= 1.0
    assert client.get(f"{path}/function").status_code == 200
    with client.websocket_connect(f"{path}/stream") as ws:
        assert '"type":"snapshot"' in ws.receive_text()
