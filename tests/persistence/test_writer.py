"""The writer thread keeps the database off the training thread: while a write hangs, runs keep
training and answering; a failed write (the database gone for a moment) is retried, and the
newest state is what lands."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import sqlalchemy as sa
from fastapi.testclient import TestClient

from server.app import create_app
from server.store import runstore
from tests.persistence.test_store import open_store, settings_for


def test_a_hanging_write_stalls_neither_training_nor_requests(database, monkeypatch) -> None:
    release, entered = threading.Event(), threading.Event()
    write = runstore.RunStore._write

    def hanging(self, run_id, op):
        entered.set()
        assert release.wait(120), "never released"
        write(self, run_id, op)

    monkeypatch.setattr(runstore.RunStore, "_write", hanging)
    with TestClient(create_app(settings_for(database))) as client:
        first = client.post("/api/runs", json={}).json()["id"]
        assert entered.wait(60)  # the writer now hangs on the first run's save
        second = client.post("/api/runs", json={"model": {"hidden_units": 3}}).json()["id"]
        for run_id in (first, second):  # both train while the database does not answer
            trained = client.post(f"/api/runs/{run_id}/train", json={"steps": 40}).json()
            assert trained["step"] == 40
        assert client.get("/api/health").json()["status"] == "ok"
        release.set()
    store = open_store(database)
    try:
        assert {run.id: run.step for run in store.all()} == {first: 40, second: 40}
    finally:
        store.close()


def test_a_failed_write_is_retried_and_the_newest_state_lands(database, monkeypatch) -> None:
    monkeypatch.setattr(runstore, "RETRY_SECONDS", 0.01)
    store = open_store(database)
    failures = []
    write = runstore.RunStore._write

    def flaky(self, run_id, op):
        if not failures:
            failures.append(run_id)
            raise sa.exc.OperationalError("INSERT", {}, Exception("the database went away"))
        write(self, run_id, op)

    monkeypatch.setattr(runstore.RunStore, "_write", flaky)
    try:
        row = {"owner": "", "config": {}, "checkpoint": b"x", "touched_at": datetime.now(UTC)}
        store.save("run", lambda: {**row, "step": 1})
        assert store.flush()
        assert failures == ["run"] and store.load("run").step == 1
    finally:
        store.close()
