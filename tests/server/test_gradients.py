"""GET /api/runs/{id}/gradients: per-layer statistics of the run's next step, read while it plays
without stopping or changing it; the same numbers as the inspector's step on the wire; 409 for
batch norm, dropout and a diverged run (saying why), 404 for an unknown one."""

from __future__ import annotations

import time

import numpy as np
import pytest
from fastapi.testclient import TestClient

from server.schemas.inspect import Gradients
from tests.server.conftest import create

CONFIG = {"dataset": {"name": "sine", "n_points": 50},
          "model": {"hidden_units": [6, 4], "depth": 2, "activation": "relu"},
          "training": {"optimizer": "momentum", "batch_size": 8, "learning_rate": 0.02}}


def norm(*matrices) -> float:
    return float(np.sqrt(sum(np.square(np.asarray(m, float)).sum() for m in matrices)))


def test_the_statistics_are_the_inspected_steps(client: TestClient) -> None:
    run = create(client, CONFIG)
    client.post(f"/api/runs/{run['id']}/train", json={"steps": 5})
    answer = client.get(f"/api/runs/{run['id']}/gradients")
    assert answer.status_code == 200, answer.text
    stats = Gradients.model_validate(answer.json())
    step = client.post(f"/api/runs/{run['id']}/inspect").json()
    assert (stats.step, stats.batch, stats.optimizer) == (5, 8, "momentum")
    assert [layer.name for layer in stats.layers] == ["layer 1", "layer 2", "output"]
    assert [layer.shape for layer in stats.layers] == [[6, 1], [4, 6], [1, 4]]
    for ours, layer in zip(stats.layers, step["layers"], strict=True):
        assert ours.grad_norm == pytest.approx(norm(layer["grad_weight"], layer["grad_bias"]))
        assert ours.weight_norm == pytest.approx(norm(layer["weight"], layer["bias"]))
        change = norm(layer["update"]["weight"]["change"], layer["update"]["bias"]["change"])
        assert ours.update_norm == pytest.approx(change)
        assert ours.post_std == pytest.approx(float(np.std(layer["post"])))
        assert sum(ours.grad_pre.counts) == np.asarray(layer["grad_pre"]).size
    assert stats.layers[-1].dead is None and 0 <= stats.layers[0].dead <= 1


def test_a_playing_run_is_read_between_its_steps_and_goes_on(client: TestClient) -> None:
    run = create(client, CONFIG)
    client.post(f"/api/runs/{run['id']}/play")
    steps = []
    for _ in range(3):
        answer = client.get(f"/api/runs/{run['id']}/gradients")
        assert answer.status_code == 200, answer.text
        steps.append(answer.json()["step"])
        time.sleep(0.05)
    assert client.get(f"/api/runs/{run['id']}").json()["status"] == "running"
    assert steps == sorted(steps)
    client.post(f"/api/runs/{run['id']}/pause")


@pytest.mark.parametrize(("model", "words"), [({"batch_norm": True}, "batch norm"),
                                              ({"dropout": 0.2}, "dropout")])
def test_what_it_cannot_open_up_is_a_409_that_says_why(client: TestClient, model, words):
    run = create(client, {**CONFIG, "model": {**CONFIG["model"], **model}})
    answer = client.get(f"/api/runs/{run['id']}/gradients")
    assert answer.status_code == 409, answer.text
    assert words in answer.json()["detail"]


def test_a_diverged_or_unknown_run(client: TestClient) -> None:
    run = create(client, {"training": {"optimizer": "sgd", "learning_rate": 10.0},
                          "model": {"hidden_units": 64, "depth": 4, "init": "he"}})
    client.post(f"/api/runs/{run['id']}/train", json={"steps": 200})
    assert client.get(f"/api/runs/{run['id']}").json()["status"] == "diverged"
    assert client.get(f"/api/runs/{run['id']}/gradients").status_code == 409
    assert client.get("/api/runs/nope/gradients").status_code == 404
