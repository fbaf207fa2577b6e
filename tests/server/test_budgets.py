"""Per-client budgets: runs held per address, the cost an address trains at once, rebuilds per run.
Each refusal is a 429 that names its setting and changes nothing."""

from __future__ import annotations

from fastapi.testclient import TestClient

from server.app import create_app
from tests.server.conftest import OCTET_STREAM, create, small_settings

DEFAULT_RUN_COST = 25 * 80  # a 1-8-1 net (25 parameters) on the 80 training points of sine


def client_with(**settings) -> TestClient:
    return TestClient(create_app(small_settings(**settings)))


def test_runs_per_client_address() -> None:
    with client_with(max_runs_per_client=2) as client:
        first = create(client)
        create(client)
        refused = client.post("/api/runs", json={})
        assert refused.status_code == 429 and "max_runs_per_client" in refused.json()["detail"]
        checkpoint = client.get(f"/api/runs/{first['id']}/checkpoint").content
        imported = client.post("/api/runs/import", content=checkpoint, headers=OCTET_STREAM)
        assert imported.status_code == 429
        assert client.get("/api/health").json()["runs"] == 2
        client.delete(f"/api/runs/{first['id']}")
        assert client.post("/api/runs", json={}).status_code == 201


def test_training_cost_per_client_address() -> None:
    with client_with(max_client_step_cost=1.5 * DEFAULT_RUN_COST) as client:
        a, b = create(client), create(client)
        assert client.post(f"/api/runs/{a['id']}/play").status_code == 200
        refused = client.post(f"/api/runs/{b['id']}/play")
        assert refused.status_code == 429
        assert "max_client_step_cost" in refused.json()["detail"]
        assert client.get(f"/api/runs/{b['id']}").json()["status"] == "paused"
        assert client.post(f"/api/runs/{b['id']}/train", json={"steps": 5}).status_code == 429
        assert client.post(f"/api/runs/{a['id']}/play").status_code == 200  # already counted
        client.post(f"/api/runs/{a['id']}/pause")
        assert client.post(f"/api/runs/{b['id']}/play").status_code == 200
        client.post(f"/api/runs/{b['id']}/pause")


def test_a_playing_run_cannot_grow_past_the_budget() -> None:
    with client_with(max_client_step_cost=1.5 * DEFAULT_RUN_COST) as client:
        run = create(client)
        client.post(f"/api/runs/{run['id']}/play")
        bigger = client.patch(f"/api/runs/{run['id']}", json={"model": {"hidden_units": 16}})
        assert bigger.status_code == 429
        assert client.get(f"/api/runs/{run['id']}").json()["config"]["model"]["hidden_units"] == 8
        client.post(f"/api/runs/{run['id']}/pause")
        assert client.patch(f"/api/runs/{run['id']}",
                            json={"model": {"hidden_units": 16}}).status_code == 200


def test_rebuilds_per_run_are_rate_limited() -> None:
    with client_with(rebuild_rate_limit="2/minute") as client:
        run = create(client)
        path = f"/api/runs/{run['id']}"
        for seed in (1, 2):
            answer = client.patch(path, json={"dataset": {"seed": seed}})
            assert answer.status_code == 200 and answer.json()["applied"] == "rebuilt"
        refused = client.patch(path, json={"dataset": {"seed": 3}})
        assert refused.status_code == 429 and "rebuild_rate_limit" in refused.json()["detail"]
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert client.get(path).json()["config"]["dataset"]["seed"] == 2  # nothing changed
        live = client.patch(path, json={"training": {"learning_rate": 0.05}})
        assert live.status_code == 200 and live.json()["applied"] == "live"  # live is free
        other = create(client)  # the cap is per run
        assert client.patch(f"/api/runs/{other['id']}",
                            json={"dataset": {"seed": 3}}).status_code == 200
