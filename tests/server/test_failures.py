"""A failure belongs to the run that caused it. Faults are injected into one run's step, frame or
snapshot (monkeypatched engine and bridge calls); that run is paused and marked `failed`, its
waiters answered and its watchers told, while every other run, in its group or not, goes on.
Before this, the training loop retried the same failure forever and stopped every user's run.
"""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from fastapi.testclient import TestClient

from models.engine import RunGroup
from server import frames
from server.app import create_app
from server.errors import ApiError
from server.schemas import ErrorMessage, Frame, RunConfig, Snapshot
from server.training import Training
from tests.server.conftest import create, server_message, small_settings

pytestmark = pytest.mark.timeout(60)


class Fault:
    """A switch for an injected fault: `target` is the run id (or dataset name) it hits."""

    def __init__(self, target: str | None = None) -> None:
        self.target = target


def fail_steps_of(monkeypatch: pytest.MonkeyPatch, fault: Fault) -> None:
    original = RunGroup.step

    def step(self, n=1, run_ids=None):
        if fault.target is not None and run_ids is not None and fault.target in run_ids:
            raise RuntimeError("injected step fault")
        return original(self, n, run_ids)

    monkeypatch.setattr(RunGroup, "step", step)


def fail_functions_of(monkeypatch: pytest.MonkeyPatch, fault: Fault) -> None:
    original = frames.picture

    def picture(layers, activation, dataset, *args, **kwargs):
        if dataset.info.name == fault.target:
            raise RuntimeError("injected drawing fault")
        return original(layers, activation, dataset, *args, **kwargs)

    monkeypatch.setattr(frames, "picture", picture)


def train(client: TestClient, run_id: str, steps: int):
    return client.post(f"/api/runs/{run_id}/train", json={"steps": steps})


def test_a_failing_step_stays_with_its_run(client: TestClient,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    doomed, neighbour = create(client), create(client)  # same architecture: one group
    fault = Fault(doomed["id"])
    fail_steps_of(monkeypatch, fault)
    answer = train(client, doomed["id"], 50)  # answered, not left waiting forever
    assert answer.status_code == 409 and "the run failed" in answer.json()["detail"]
    run = client.get(f"/api/runs/{doomed['id']}").json()
    assert run["status"] == "failed" and "injected step fault" in run["error"]
    assert train(client, neighbour["id"], 50).json()["step"] == 50  # the group goes on
    assert client.get("/api/health").status_code == 200
    assert client.post(f"/api/runs/{doomed['id']}/play").status_code == 409
    fault.target = None
    reset = client.post(f"/api/runs/{doomed['id']}/reset").json()
    assert reset["status"] == "paused" and reset["error"] is None
    assert train(client, doomed["id"], 10).json()["step"] == 10


def test_a_failing_run_in_a_shared_batch_is_found_and_the_others_play_on(
        client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    runs = [create(client) for _ in range(3)]
    fault = Fault(runs[1]["id"])
    fail_steps_of(monkeypatch, fault)
    for run in runs:
        assert client.post(f"/api/runs/{run['id']}/play").status_code == 200
    time.sleep(0.5)
    first = [client.get(f"/api/runs/{run['id']}").json() for run in runs]
    time.sleep(0.5)
    later = [client.get(f"/api/runs/{run['id']}").json() for run in runs]
    assert first[1]["status"] == later[1]["status"] == "failed"
    for before, after in zip(first[::2], later[::2], strict=True):
        assert after["status"] == "running" and after["step"] > before["step"] > 0


def test_a_failing_frame_fails_its_run_and_other_watchers_keep_their_frames(
        client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    doomed, neighbour = create(client, {"dataset": {"name": "abs"}}), create(client)
    fault = Fault()
    fail_functions_of(monkeypatch, fault)
    with client.websocket_connect(f"/api/runs/{doomed['id']}/stream") as bad, \
            client.websocket_connect(f"/api/runs/{neighbour['id']}/stream") as good:
        assert isinstance(server_message(bad.receive_text()), Snapshot)
        assert isinstance(server_message(good.receive_text()), Snapshot)
        for ws in (bad, good):
            ws.send_text(json.dumps({"type": "play"}))
        fault.target = "abs"  # from now on, drawing the doomed run fails
        told, failed = False, None
        while failed is None:
            message = server_message(bad.receive_text())
            told = told or isinstance(message, ErrorMessage) and "drawing" in message.message
            if isinstance(message, Frame) and message.run.status == "failed":
                failed = message
        assert told and failed.function is None and "injected drawing fault" in failed.run.error
        steps = []
        while len(steps) < 10:  # the neighbour's stream goes on, frame after frame
            message = server_message(good.receive_text())
            if isinstance(message, Frame):
                steps.append(message.run.step)
        assert steps == sorted(steps) and steps[-1] > steps[0]


def test_a_failing_snapshot_shows_the_failure_instead_of_breaking_the_stream(
        client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    doomed = create(client, {"dataset": {"name": "abs"}})
    fail_functions_of(monkeypatch, Fault("abs"))
    with client.websocket_connect(f"/api/runs/{doomed['id']}/stream") as ws:
        snapshot = server_message(ws.receive_text())
    assert isinstance(snapshot, Snapshot) and snapshot.run.status == "failed"
    assert snapshot.function is None


def test_a_subscription_that_cannot_be_built_registers_nobody(
        client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    doomed, neighbour = create(client), create(client)
    original = frames.FrameBuilder.snapshot

    def snapshot(self, record, *args):
        if record.id == doomed["id"]:
            raise RuntimeError("injected snapshot fault")
        return original(self, record, *args)

    monkeypatch.setattr(frames.FrameBuilder, "snapshot", snapshot)
    with client.websocket_connect(f"/api/runs/{doomed['id']}/stream") as ws:
        message = server_message(ws.receive_text())
        assert isinstance(message, ErrorMessage)
    training = client.app.state.training
    assert training.registry.runs[doomed["id"]].watch.slots == []  # nobody left registered
    with client.websocket_connect(f"/api/runs/{neighbour['id']}/stream") as ws:
        server_message(ws.receive_text())
        ws.send_text(json.dumps({"type": "play"}))
        count = 0
        while count < 5:  # before: every frame phase failed on the half-registered watcher
            count += isinstance(server_message(ws.receive_text()), Frame)


def test_health_turns_503_while_the_training_loop_is_stuck() -> None:
    with TestClient(create_app(small_settings(health_timeout=0.5))) as client:
        assert client.get("/api/health").json()["status"] == "ok"
        client.app.state.training.post(time.sleep, 2.0)  # a command that wedges the loop
        time.sleep(1.2)
        stuck = client.get("/api/health")
        assert stuck.status_code == 503 and stuck.json()["status"] == "stale"
        assert stuck.json()["loop_age"] > 0.5
        time.sleep(1.5)
        assert client.get("/api/health").status_code == 200


async def test_stopping_answers_every_waiting_request(monkeypatch: pytest.MonkeyPatch) -> None:
    original = RunGroup.step

    def slow(self, n=1, run_ids=None):
        time.sleep(0.02)
        return original(self, 1, run_ids)

    monkeypatch.setattr(RunGroup, "step", slow)
    training = Training(small_settings(), "cpu")
    training.start(asyncio.get_running_loop())
    run = await training.call(training.runs.create, RunConfig())
    done = await training.call(training.runs.train, run["id"], 500)
    waiting = asyncio.ensure_future(asyncio.wrap_future(done))
    await asyncio.sleep(0.2)
    await asyncio.to_thread(training.stop)
    with pytest.raises(ApiError) as stopped:
        await asyncio.wait_for(waiting, 5)
    assert stopped.value.status == 503
