"""Everything within the configured limits is servable: the largest network this server accepts,
on every dataset, answers every endpoint and streams (before: the region bound 257^8 overflowed
the JSON encoder, the run was created anyway and answered 500 from then on). A run trained past
200,000 steps (a thinned history) stays readable. A request succeeds completely or changes nothing.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from fastapi.testclient import TestClient
from pydantic import TypeAdapter

from models.datasets import DATASETS
from models.engine.checkpoint import load_run, save_run
from models.engine.records import HISTORY_LIMIT, History
from server.app import create_app
from server.schemas import Function, Run, Snapshot
from server.schemas import History as HistorySchema
from server.settings import Settings
from tests.server.conftest import OCTET_STREAM, server_message

pytestmark = pytest.mark.slow
USER_POINTS = {1: [{"x": [-0.5], "y": 0.0}, {"x": [0.5], "y": 1.0}, {"x": [0.0], "y": 1.0}],
               2: [{"x": [-0.5, 0.1], "y": 0.0}, {"x": [0.5, 0.2], "y": 1.0},
                   {"x": [0.0, -0.3], "y": 1.0}]}


@pytest.fixture(scope="module")
def client():
    settings = Settings(device="cpu", max_runs_per_client=1000,  # the real defaults otherwise
                        allowed_hosts=("testserver",))
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def largest(name: str, settings: Settings) -> dict:
    info = DATASETS[name]
    dataset = {"name": name}
    if info.custom:
        dataset["points"] = USER_POINTS[info.inputs]
    return {"dataset": dataset, "model": {"hidden_units": settings.max_hidden_units,
                                          "depth": settings.max_depth}}


# one dataset of every kind (each kind has its own views), and every custom one
KINDS = sorted({info.group: name for name, info in DATASETS.items() if not info.custom}.values()
               ) + sorted(name for name, info in DATASETS.items() if info.custom)


@pytest.mark.parametrize("name", KINDS)
def test_the_largest_accepted_network_answers_every_endpoint(client: TestClient,
                                                             name: str) -> None:
    settings = client.app.state.settings
    before = client.get("/api/health").json()["runs"]
    created = client.post("/api/runs", json=largest(name, settings))
    if created.status_code == 422:  # refused up front is fine: too costly to step, and said so
        assert "max_step_cost" in created.json()["detail"][0]["msg"]
        assert client.get("/api/health").json()["runs"] == before  # and nothing was left behind
        return
    assert created.status_code == 201, created.text
    run = Run.model_validate(created.json())
    path = f"/api/runs/{run.id}"
    try:
        assert client.post(f"{path}/train", json={"steps": 3}).json()["step"] == 3
        for endpoint in ("", "/history", "/data", "/weights", "/checkpoint"):
            assert client.get(path + endpoint).status_code == 200, endpoint
        function = client.get(f"{path}/function")
        assert function.status_code in (200, 409), function.text  # 409 only if it diverged
        if function.status_code == 200:
            TypeAdapter(Function).validate_python(function.json())
        patched = client.patch(path, json={"training": {"learning_rate": 0.001}})
        assert patched.status_code == 200 and patched.json()["applied"] == "live"
        rebuilt = client.patch(path, json={"training": {"seed": 5}})
        assert rebuilt.status_code == 200 and rebuilt.json()["applied"] == "rebuilt"
        with client.websocket_connect(f"{path}/stream") as ws:
            assert isinstance(server_message(ws.receive_text()), Snapshot)
        checkpoint = client.get(f"{path}/checkpoint").content
        copy = client.post("/api/runs/import", content=checkpoint, headers=OCTET_STREAM)
        assert copy.status_code == 201, copy.text
        client.delete(f"/api/runs/{copy.json()['id']}")
    finally:
        client.delete(path)


def test_a_bound_beyond_64_bits_is_sent_as_a_number(client: TestClient) -> None:
    created = client.post("/api/runs", json={"model": {"hidden_units": 256, "depth": 8}})
    run = created.json()
    assert run["region_bound"] == pytest.approx(257.0**8)
    client.delete(f"/api/runs/{run['id']}")


def test_a_thinned_history_stays_readable(client: TestClient) -> None:
    """A run past 200,000 steps has a thinned (once: strided) history; GET history and the
    stream used to fail on it. A sound checkpoint of such a run is made here and trained on."""
    created = client.post("/api/runs", json={}).json()
    state = load_run(client.get(f"/api/runs/{created['id']}/checkpoint").content)
    client.delete(f"/api/runs/{created['id']}")
    points = HISTORY_LIMIT - 5
    steps = np.arange(points, dtype=np.int64) * 10
    losses = np.linspace(2.0, 0.1, points)
    state.step = int(steps[-1])
    state.optimizer_origin = state.schedule_step = 0
    state.history = History(steps, losses, losses.copy())
    state.parameters = state.parameters.clone()
    for name, value in state.optimizer_state.items():
        state.optimizer_state[name] = torch.zeros_like(value)
    imported = client.post("/api/runs/import", content=save_run(state), headers=OCTET_STREAM)
    assert imported.status_code == 201, imported.text
    path = f"/api/runs/{imported.json()['id']}"
    assert client.post(f"{path}/train", json={"steps": 200}).status_code == 200  # thins it
    history = client.get(f"{path}/history")
    assert history.status_code == 200, history.text
    steps_now = HistorySchema.model_validate(history.json()).step
    assert len(steps_now) <= HISTORY_LIMIT and steps_now[-1] == state.step + 200
    with client.websocket_connect(f"{path}/stream") as ws:
        snapshot = server_message(ws.receive_text())
        assert isinstance(snapshot, Snapshot) and snapshot.history.step[-1] == steps_now[-1]
        ws.send_text(json.dumps({"type": "step", "steps": 20}))
    client.delete(path)
