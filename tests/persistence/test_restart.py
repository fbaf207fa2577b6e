"""The restart test: runs created and trained on a real server, the server killed with SIGKILL,
a new one started on the same database: every run is back, paused at its last saved step (what
the database held at the kill), and continues exactly as a run never interrupted (the engine is
deterministic from its checkpoint). On SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import os
import signal
import time
import urllib.request

import numpy as np
import pytest

from models.engine import RunGroup
from server import bridge, schemas
from server.store import RunStore, database_url, make_engine
from tests.live_server import live_server

pytestmark = pytest.mark.slow
CONFIGS = {
    "trained": {"dataset": {"name": "sine"}, "model": {"hidden_units": 6}},
    "playing": {"dataset": {"name": "moons", "n_points": 80}, "model": {"hidden_units": [5, 3],
                "depth": 2}, "training": {"optimizer": "momentum", "batch_size": 16}},
    "fresh": {"dataset": {"name": "abs"}, "training": {"optimizer": "sgd", "seed": 4}},
}
MORE = 20  # steps after the restart


def rest(server, method: str, path: str, body: dict | None = None) -> dict:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{server.url}{path}", data=data, method=method,
                                     headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read() or b"null")


def saved_steps(database: dict[str, str]) -> dict[str, int]:
    """What the database holds now, read on its own connection."""
    engine = make_engine(database_url(database["PLAYGROUND_DATA_DIR"],
                                      database.get("PLAYGROUND_DATABASE_URL", "")))
    store = RunStore(engine)
    try:
        return {run.id: run.step for run in store.all()}
    finally:
        store.close()


def reference(config: dict, steps: int) -> tuple[list, np.ndarray]:
    """The same run never interrupted: the engine alone, `steps` steps from the seeds."""
    engine = bridge.engine_config(schemas.RunConfig.model_validate(config))
    group = RunGroup(engine.model, engine.training.optimizer, device="cpu", eval_every=10)
    group.add("r", engine)
    group.step(steps)
    return group.layers(["r"])["r"], group.history("r").train_loss


def assert_same_run(server, run_id: str, config: dict, steps: int) -> None:
    layers, losses = reference(config, steps)
    weights = rest(server, "GET", f"/api/runs/{run_id}/weights")["layers"]
    for (w, b), got in zip(layers, weights, strict=True):
        np.testing.assert_allclose(got["weight"], w, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(got["bias"], b, rtol=1e-5, atol=1e-6)
    history = rest(server, "GET", f"/api/runs/{run_id}/history")
    assert history["step"][-1] <= steps and len(history["train_loss"]) == len(losses)
    np.testing.assert_allclose(history["train_loss"], losses, rtol=1e-5, atol=1e-7)


def test_runs_survive_sigkill_paused_at_their_last_saved_step(database) -> None:
    env = {**database, "PLAYGROUND_DEVICE": "cpu", "PLAYGROUND_SAVE_INTERVAL": "0.3"}
    with live_server(env=env) as first:
        ids = {name: rest(first, "POST", "/api/runs", config)["id"]
               for name, config in CONFIGS.items()}
        rest(first, "POST", f"/api/runs/{ids['trained']}/train", {"steps": 30})
        rest(first, "POST", f"/api/runs/{ids['playing']}/play", {"steps_per_second": 60})
        deadline = time.monotonic() + 60
        while True:  # until the playing run has been saved twice while it trains
            steps = saved_steps(database)
            if (steps.get(ids["trained"]) == 30 and ids["fresh"] in steps
                    and steps.get(ids["playing"], 0) >= 20):
                break
            assert time.monotonic() < deadline, f"runs not saved in time: {steps}"
            time.sleep(0.2)
        assert rest(first, "GET", f"/api/runs/{ids['playing']}")["status"] == "running"
        os.kill(first.process.pid, signal.SIGKILL)
        first.process.wait()
    at_kill = saved_steps(database)
    assert set(at_kill) == set(ids.values())
    assert (at_kill[ids["trained"]], at_kill[ids["fresh"]]) == (30, 0)

    with live_server(env=env) as second:
        for name, run_id in ids.items():
            run = rest(second, "GET", f"/api/runs/{run_id}")
            assert run["status"] == "paused", name
            assert run["step"] == at_kill[run_id], name
            assert_same_run(second, run_id, CONFIGS[name], at_kill[run_id])
            assert rest(second, "POST", f"/api/runs/{run_id}/train",
                        {"steps": MORE})["step"] == at_kill[run_id] + MORE
            assert_same_run(second, run_id, CONFIGS[name], at_kill[run_id] + MORE)
        assert rest(second, "GET", "/api/health")["runs"] == len(ids)
