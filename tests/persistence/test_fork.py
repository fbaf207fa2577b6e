"""Fork: POST /api/runs/{id}/fork makes a new run from a run's state now; both go on alone, and
the store keeps the fork's parent and step, across a restart too."""

from __future__ import annotations

import numpy as np
from fastapi.testclient import TestClient

from server.app import create_app
from tests.persistence.test_restart import reference
from tests.persistence.test_store import open_store, settings_for

CONFIG = {"dataset": {"name": "cubic"}, "model": {"hidden_units": 4}}


def weights(client: TestClient, run_id: str) -> list:
    return client.get(f"/api/runs/{run_id}/weights").json()["layers"]


def parents(database) -> dict:
    store = open_store(database)
    try:
        return {run.id: (run.parent_id, run.parent_step, run.step) for run in store.all()}
    finally:
        store.close()


def test_a_fork_continues_from_its_parent_and_remembers_it(database) -> None:
    settings = settings_for(database)
    with TestClient(create_app(settings)) as client:
        parent = client.post("/api/runs", json=CONFIG).json()["id"]
        client.post(f"/api/runs/{parent}/train", json={"steps": 30})
        answer = client.post(f"/api/runs/{parent}/fork")
        assert answer.status_code == 201, answer.text
        fork = answer.json()
        assert fork["id"] != parent and (fork["step"], fork["status"]) == (30, "paused")
        assert fork["config"] == client.get(f"/api/runs/{parent}").json()["config"]
        assert weights(client, fork["id"]) == weights(client, parent)
        client.post(f"/api/runs/{fork['id']}/train", json={"steps": 10})
        assert client.get(f"/api/runs/{parent}").json()["step"] == 30  # the parent is untouched
        assert client.post("/api/runs/no-such-run/fork").status_code == 404
    assert parents(database) == {parent: (None, None, 30), fork["id"]: (parent, 30, 40)}
    with TestClient(create_app(settings)) as client:
        client.post(f"/api/runs/{fork['id']}/train", json={"steps": 5})
        layers, _ = reference(CONFIG, 45)  # the fork is the parent's run, continued
        for (w, b), got in zip(layers, weights(client, fork["id"]), strict=True):
            np.testing.assert_allclose(got["weight"], w, rtol=1e-5, atol=1e-6)
            np.testing.assert_allclose(got["bias"], b, rtol=1e-5, atol=1e-6)
    assert parents(database)[fork["id"]] == (parent, 30, 45)


def test_a_title_and_a_forks_parent_come_back_after_a_restart(database) -> None:
    settings = settings_for(database)
    with TestClient(create_app(settings)) as client:
        parent = client.post("/api/runs", json=CONFIG).json()["id"]
        client.patch(f"/api/runs/{parent}", json={"title": "named before the restart"})
        client.post(f"/api/runs/{parent}/train", json={"steps": 7})
        fork = client.post(f"/api/runs/{parent}/fork").json()["id"]
        client.patch(f"/api/runs/{fork}", json={"title": "its copy"})
    with TestClient(create_app(settings)) as client:
        got = {run_id: client.get(f"/api/runs/{run_id}").json() for run_id in (parent, fork)}
    assert got[parent]["title"] == "named before the restart" and got[parent]["parent"] is None
    assert got[fork]["title"] == "its copy"
    assert got[fork]["parent"] == {"id": parent, "step": 7}
