"""The websocket stream through an in-process TestClient: snapshot, every client message type,
bad messages, deletion; the snapshot plus frame deltas rebuild exactly the REST history."""

from __future__ import annotations

import json
import threading
import time

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from server.schemas import ErrorMessage, Frame, Snapshot
from tests.server.conftest import create, server_message


def receive(ws):
    return server_message(ws.receive_text())


def until(ws, predicate, limit: int = 2000):
    """Messages until one satisfies `predicate`; returns (that message, the ones before it)."""
    seen = []
    for _ in range(limit):
        message = receive(ws)
        if predicate(message):
            return message, seen
        seen.append(message)
    raise AssertionError("no such message")


def test_snapshot_then_frames_rebuild_the_history(client: TestClient) -> None:
    run = create(client)
    with client.websocket_connect(f"/api/runs/{run['id']}/stream") as ws:
        snapshot = receive(ws)
        assert isinstance(snapshot, Snapshot) and snapshot.run.id == run["id"]
        assert snapshot.history.step == [0] and snapshot.function.kind == "1d"
        assert len(snapshot.data.train.x) == 80
        ws.send_text(json.dumps({"type": "play"}))
        steps = list(snapshot.history.step)
        frame, seen = until(ws, lambda m: isinstance(m, Frame) and m.run.step >= 300)
        for message in [*seen, frame]:
            assert isinstance(message, Frame)
            steps += message.history.step
        ws.send_text(json.dumps({"type": "pause"}))
        paused, seen = until(ws, lambda m: m.run.status == "paused")
        for message in [*seen, paused]:
            steps += message.history.step
        assert paused.run.train_loss < snapshot.run.train_loss  # it learns
        history = client.get(f"/api/runs/{run['id']}/history").json()
        assert steps == history["step"]  # deltas lose nothing and repeat nothing


def test_step_reset_and_update(client: TestClient) -> None:
    run = create(client)
    with client.websocket_connect(f"/api/runs/{run['id']}/stream") as ws:
        receive(ws)
        ws.send_text(json.dumps({"type": "step", "steps": 25}))
        frame, _ = until(ws, lambda m: m.run.step == 25)
        assert frame.run.status == "paused"
        ws.send_text(json.dumps({"type": "update", "config": {"training": {"learning_rate": 0.1}}}))
        frame, _ = until(ws, lambda m: m.run.config.training.learning_rate == 0.1)
        assert isinstance(frame, Frame) and frame.run.step == 25  # live: nothing reset
        ws.send_text(json.dumps({"type": "update", "config": {"model": {"depth": 2}}}))
        snapshot, _ = until(ws, lambda m: isinstance(m, Snapshot))
        assert snapshot.run.config.model.depth == 2 and snapshot.run.step == 0
        assert snapshot.run.config.training.learning_rate == 0.1
        ws.send_text(json.dumps({"type": "step", "steps": 5}))
        until(ws, lambda m: m.run.step == 5)
        ws.send_text(json.dumps({"type": "reset"}))
        snapshot, _ = until(ws, lambda m: isinstance(m, Snapshot))
        assert snapshot.run.step == 0 and snapshot.history.step == [0]


@pytest.mark.parametrize(("text", "field"), [
    ("{nope", None), ('{"type": "dance"}', "type"), ('{"no_type": 1}', "type"),
    ('{"type": "step", "steps": 0}', "step.steps"),
    ('{"type": "step", "steps": "3"}', "step.steps"),
    ('{"type": "update", "config": {"model": {"hidden_units": -1}}}',
     "update.config.model.hidden_units"),
    ('{"type": "update", "config": {"model": {"hidden_units": 65}}}', "model.hidden_units"),
    ('{"type": "step", "steps": 100000}', "steps"), ("[1, 2]", None),
])
def test_bad_message_gets_an_error_and_the_connection_stays(client: TestClient, text: str,
                                                            field: str | None) -> None:
    run = create(client)
    with client.websocket_connect(f"/api/runs/{run['id']}/stream") as ws:
        receive(ws)
        ws.send_text(text)
        error, _ = until(ws, lambda m: isinstance(m, ErrorMessage))
        assert error.message and error.field == field
        ws.send_bytes(b"\xff\xfe")
        until(ws, lambda m: isinstance(m, ErrorMessage))
        ws.send_text(json.dumps({"type": "step", "steps": 3}))
        until(ws, lambda m: m.type == "frame" and m.run.step == 3)


def test_unknown_run(client: TestClient) -> None:
    with client.websocket_connect("/api/runs/does-not-exist/stream") as ws:
        error = receive(ws)
        assert isinstance(error, ErrorMessage) and error.field == "id"
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_text()
        assert closed.value.code == 4404


def test_delete_while_watching(client: TestClient) -> None:
    run = create(client)
    with client.websocket_connect(f"/api/runs/{run['id']}/stream") as ws:
        receive(ws)
        assert client.delete(f"/api/runs/{run['id']}").status_code == 204
        deleted, _ = until(ws, lambda m: m.type == "deleted")
        with pytest.raises(WebSocketDisconnect):
            ws.receive_text()
    assert client.get("/api/health").json()["runs"] == 0


def test_two_clients_see_the_same_run(client: TestClient) -> None:
    run = create(client)
    with client.websocket_connect(f"/api/runs/{run['id']}/stream") as a, \
            client.websocket_connect(f"/api/runs/{run['id']}/stream") as b:
        receive(a), receive(b)
        a.send_text(json.dumps({"type": "step", "steps": 40}))
        frame_a, _ = until(a, lambda m: m.run.step == 40)
        frame_b, _ = until(b, lambda m: m.run.step == 40)
        assert frame_a.run == frame_b.run and frame_a.function == frame_b.function


def test_disconnects_leave_nothing_behind(client: TestClient) -> None:
    run = create(client)
    training = client.app.state.training
    for _ in range(10):
        with client.websocket_connect(f"/api/runs/{run['id']}/stream") as ws:
            receive(ws)
            ws.send_text(json.dumps({"type": "play"}))
            until(ws, lambda m: m.type == "frame" and m.run.status == "running")
            assert client.portal.call(_stream_tasks)  # the probe sees live stream tasks
    for _ in range(200):  # unsubscribing is posted to the training thread; give it a moment
        if not training.registry.runs[run["id"]].watch.slots:
            break
        time.sleep(0.01)
    assert training.registry.runs[run["id"]].watch.slots == []
    assert client.get(f"/api/runs/{run['id']}").json()["status"] == "running"  # until idle
    assert client.portal.call(_stream_tasks) == []  # every sender and receiver ended


async def _stream_tasks() -> list[str]:
    """The websocket tasks still alive on the app's event loop."""
    import asyncio

    return [task.get_name() for task in asyncio.all_tasks()
            if "routes/stream" in getattr(task.get_coro(), "cr_code", _NO_CODE).co_filename]


_NO_CODE = compile("", "", "exec")


def test_a_run_diverging_with_steps_queued_stops_and_idles_the_thread(client: TestClient) -> None:
    """Queued steps of a run that diverges are dropped: the training thread goes back to waiting
    (it used to spin on them forever) and the run can expire like any other."""
    run = create(client, {"training": {"optimizer": "sgd", "learning_rate": 10.0},
                          "model": {"hidden_units": 64, "depth": 4, "init": "he"}})
    training = client.app.state.training
    with client.websocket_connect(f"/api/runs/{run['id']}/stream") as ws:
        receive(ws)
        ws.send_text(json.dumps({"type": "step", "steps": 500}))
        until(ws, lambda m: isinstance(m, Frame) and m.run.status == "diverged")
        deadline = time.monotonic() + 5.0
        entry = training.registry.runs[run["id"]]
        while (entry.work.train_remaining or training._busy()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert entry.work.train_remaining == 0 and not entry.playing
        assert not training._busy(), "the training thread still has work it can never finish"
    after = client.post(f"/api/runs/{run['id']}/train", json={"steps": 10})
    assert after.status_code == 200 and after.json()["status"] == "diverged"


def test_pausing_fails_a_waiting_rest_train(client: TestClient) -> None:
    """A REST train cut short by a pause says so (409) instead of returning as if it finished."""
    run = create(client)
    results = {}

    def train() -> None:
        results["response"] = client.post(f"/api/runs/{run['id']}/train", json={"steps": 500})

    worker = threading.Thread(target=train)
    worker.start()
    deadline = time.monotonic() + 5.0
    entry = client.app.state.training.registry.runs[run["id"]]
    while not entry.work.waiters and time.monotonic() < deadline:
        time.sleep(0.001)
    client.post(f"/api/runs/{run['id']}/pause")
    worker.join(10)
    response = results["response"]
    step = client.get(f"/api/runs/{run['id']}").json()["step"]
    if step < 500:  # the pause landed before the 500 steps were done
        assert response.status_code == 409 and "paused" in response.json()["detail"]
    else:
        assert response.status_code == 200
