"""The store on both databases: migrations, save/load/delete through the one writer thread
(latest wins), and an in-process app that saves a paused run and brings it back paused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from models.engine import load_run
from server.app import create_app
from server.settings import Settings
from server.store import RunStore, database_url, make_engine, migrate


def open_store(database: dict[str, str]) -> RunStore:
    engine = make_engine(database_url(database["PLAYGROUND_DATA_DIR"],
                                      database.get("PLAYGROUND_DATABASE_URL", "")))
    migrate(engine)
    migrate(engine)  # idempotent: a restart migrates an up-to-date schema
    return RunStore(engine)


def settings_for(database: dict[str, str], **overrides) -> Settings:
    values = dict(device="cpu", data_dir=database["PLAYGROUND_DATA_DIR"],
                  database_url=database.get("PLAYGROUND_DATABASE_URL", ""),
                  allowed_hosts=("testserver",))
    return Settings(**{**values, **overrides})


def test_plain_postgresql_urls_get_the_psycopg_driver() -> None:
    for url in ("postgresql://user@db:5432/playground", "postgres://user@db:5432/playground"):
        parsed = database_url("unused", url)
        assert parsed.drivername == "postgresql+psycopg"
        assert (parsed.host, parsed.port, parsed.database) == ("db", 5432, "playground")
    assert database_url("unused", "sqlite:///x.db").drivername == "sqlite"


def test_sqlite_lives_in_the_data_dir(tmp_path) -> None:
    url = database_url(str(tmp_path / "new" / "folder"))
    assert url.database == str(tmp_path / "new" / "folder" / "playground.db")
    assert (tmp_path / "new" / "folder").is_dir()


def test_save_load_delete_latest_wins(database) -> None:
    store = open_store(database)
    try:
        now = datetime.now(UTC)
        for step in range(5):  # queued faster than written: only some land, the last one wins
            store.save("run-a", lambda step=step: {
                "owner": "1.2.3.4", "config": {"n": step}, "checkpoint": bytes([step]) * 10,
                "step": step, "touched_at": now})
        store.save("run-b", lambda: {"owner": "", "config": {}, "checkpoint": b"\x00",
                                     "step": 0, "touched_at": now})
        assert store.flush()
        saved = store.load("run-a")
        assert (saved.step, saved.config, saved.checkpoint) == (4, {"n": 4}, bytes([4]) * 10)
        assert saved.owner == "1.2.3.4" and saved.title is None and saved.parent_id is None
        assert saved.created_at <= saved.saved_at and saved.touched_at.tzinfo is not None
        assert {run.id for run in store.all()} == {"run-a", "run-b"}
        store.save("run-b", lambda: {"owner": "", "config": {}, "checkpoint": b"\x01",
                                     "step": 1, "touched_at": now})
        store.delete("run-b")  # a delete replaces the pending save
        assert store.flush()
        assert store.load("run-b") is None and [run.id for run in store.all()] == ["run-a"]
    finally:
        store.close()


def test_a_paused_run_comes_back_paused_where_it_was(database) -> None:
    settings = settings_for(database)
    with TestClient(create_app(settings)) as client:
        run = client.post("/api/runs", json={"model": {"hidden_units": 5}}).json()
        trained = client.post(f"/api/runs/{run['id']}/train", json={"steps": 25}).json()
        weights = client.get(f"/api/runs/{run['id']}/weights").json()
        history = client.get(f"/api/runs/{run['id']}/history").json()
        gone = client.post("/api/runs", json={}).json()["id"]
        assert client.delete(f"/api/runs/{gone}").status_code == 204
    store = open_store(database)
    try:
        rows = store.all()
        assert [row.id for row in rows] == [run["id"]]  # the deleted run's row is gone
        assert rows[0].step == 25 == load_run(rows[0].checkpoint).step
        assert rows[0].config == trained["config"]
    finally:
        store.close()
    with TestClient(create_app(settings)) as client:
        back = client.get(f"/api/runs/{run['id']}").json()
        assert (back["status"], back["step"], back["config"]) == ("paused", 25, trained["config"])
        assert client.get(f"/api/runs/{run['id']}/weights").json() == weights
        assert client.get(f"/api/runs/{run['id']}/history").json() == history
        assert client.get(f"/api/runs/{gone}").status_code == 404


def test_runs_untouched_longer_than_run_ttl_are_deleted_at_startup(database) -> None:
    with TestClient(create_app(settings_for(database))) as client:
        old = client.post("/api/runs", json={}).json()["id"]
    with TestClient(create_app(settings_for(database, run_ttl=1e-6))) as client:
        assert client.get(f"/api/runs/{old}").status_code == 404
    store = open_store(database)
    try:
        assert store.all() == []
    finally:
        store.close()


@pytest.mark.parametrize("bad", [b"not a checkpoint", b""])
def test_a_row_that_does_not_load_is_kept_and_the_others_come_back(database, bad) -> None:
    with TestClient(create_app(settings_for(database))) as client:
        good = client.post("/api/runs", json={}).json()["id"]
    store = open_store(database)
    store.save("broken", lambda: {"owner": "", "config": {}, "checkpoint": bad, "step": 3,
                                  "touched_at": datetime.now(UTC)})
    store.close()
    with TestClient(create_app(settings_for(database))) as client:
        assert client.get(f"/api/runs/{good}").json()["status"] == "paused"
        assert client.get("/api/runs/broken").status_code == 404
    store = open_store(database)
    try:
        assert store.load("broken") is not None
    finally:
        store.close()
