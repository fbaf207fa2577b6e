"""Playing at a pace: the cap on a run's training rate (records.Pace), the training thread asleep
between a capped run's steps (its CPU measured with psutil), a frame after every step or so, and
explicit steps (REST train, websocket step) that ignore the cap. Bounds are the promises only:
speed figures belong in bench/."""

from __future__ import annotations

import json
import time

import psutil
import pytest
from fastapi.testclient import TestClient

from server.records import CATCH_UP, Pace
from server.schemas import ErrorMessage, Frame, RunConfig
from server.training import Training
from tests.server.conftest import create, server_message, small_settings


def test_a_pace_never_takes_more_than_its_rate_and_forgives_old_debts() -> None:
    pace, now, taken, log = Pace(), 100.0, 0, []
    pace.set(5.0, now, fresh=True)
    for tick in range(2000):  # a pass every 3 ms, with one stall of 2 s in the middle
        now += 2.0 if tick == 1000 else 0.003
        owed = pace.owed(now)
        if owed:
            pace.took(owed, now)
            taken += owed
            log.append((now, owed))
    elapsed = now - 100.0
    assert taken <= 5.0 * (elapsed + CATCH_UP) + 1
    assert taken >= 5.0 * (elapsed - 2.0) - 1  # only the stall's steps are forgiven
    assert max(owed for _, owed in log) <= 1 + CATCH_UP * 5.0  # no burst after the stall
    for start in range(len(log)):  # any window of T seconds: at most rate * (T + CATCH_UP) + 1
        for end in range(start, min(len(log), start + 30)):
            window = log[end][0] - log[start][0]
            assert sum(o for _, o in log[start:end + 1]) <= 5.0 * (window + CATCH_UP) + 1


def test_a_faster_cap_applies_at_once_and_no_cap_owes_nothing() -> None:
    pace = Pace()
    pace.set(0.1, 0.0, fresh=True)
    pace.took(pace.owed(0.0), 0.0)
    assert pace.owed(1.0) == 0  # the next step is 10 s away
    pace.set(10.0, 1.0, fresh=False)
    assert pace.owed(1.1) == 1
    pace.set(None, 1.1, fresh=False)
    assert pace.owed(50.0) == 0 and pace.rate is None


def thread_cpu_seconds(training: Training) -> float:
    native = training._thread.native_id
    for thread in psutil.Process().threads():
        if thread.id == native:
            return thread.user_time + thread.system_time
    raise AssertionError("the training thread is not among the process's threads")


def test_a_run_at_5_steps_per_second_leaves_the_thread_near_idle(client: TestClient) -> None:
    """Before, the thread's command wait never blocked while a run was active: a capped run
    would have spun it at 100% of a core between steps."""
    run = create(client)
    training: Training = client.app.state.training
    with client.websocket_connect(f"/api/runs/{run['id']}/stream") as ws:
        server_message(ws.receive_text())
        ws.send_text(json.dumps({"type": "play", "steps_per_second": 5}))
        first = None
        while first is None or first.run.step < 1:  # playing, and its first step taken
            message = server_message(ws.receive_text())
            first = message if isinstance(message, Frame) else first
        record = training.registry.runs[run["id"]]
        assert record.paced and 0 < training._idle(time.monotonic()) <= 0.2
        cpu, started = thread_cpu_seconds(training), time.monotonic()
        while time.monotonic() - started < 2.5:
            server_message(ws.receive_text())
        cpu, wall = thread_cpu_seconds(training) - cpu, time.monotonic() - started
        steps = client.get(f"/api/runs/{run['id']}").json()["step"] - first.run.step
    assert steps >= 3  # it did train meanwhile
    assert cpu < 0.25 * wall, f"the training thread used {cpu:.2f} s of CPU in {wall:.2f} s"


def test_frames_follow_a_paced_run_step_by_step(client: TestClient) -> None:
    run = create(client)
    with client.websocket_connect(f"/api/runs/{run['id']}/stream") as ws:
        server_message(ws.receive_text())
        ws.send_text(json.dumps({"type": "play", "steps_per_second": 5}))
        frames, started = [], time.monotonic()
        while time.monotonic() - started < 3.0:
            message = server_message(ws.receive_text())
            if isinstance(message, Frame) and message.run.status == "running":
                frames.append((time.monotonic(), message.run.step, message.run.pace))
        ws.send_text(json.dumps({"type": "pause"}))
    elapsed = frames[-1][0] - frames[0][0]
    steps = [step for _, step, _ in frames]
    assert all(pace == 5.0 for _, _, pace in frames)
    assert all(0 <= b - a <= 2 for a, b in zip(steps, steps[1:], strict=False)), steps
    assert steps[-1] - steps[0] <= 5.0 * (elapsed + 0.1) + 1  # the cap
    assert steps[-1] - steps[0] >= 0.3 * 5.0 * elapsed  # and it does train (loosely)
    assert len({step for step in steps}) >= 0.8 * (steps[-1] - steps[0])  # a frame per step


def test_explicit_steps_ignore_the_cap_and_the_pace_stays(client: TestClient) -> None:
    run = create(client)
    client.post(f"/api/runs/{run['id']}/play", json={"steps_per_second": 0.1})
    time.sleep(0.3)
    before = client.get(f"/api/runs/{run['id']}").json()
    assert before["pace"] == 0.1 and before["step"] <= 2
    started = time.monotonic()
    trained = client.post(f"/api/runs/{run['id']}/train", json={"steps": 60})
    assert trained.status_code == 200 and trained.json()["step"] >= before["step"] + 60
    assert time.monotonic() - started < 60  # at the cap 60 steps would take ten minutes
    with client.websocket_connect(f"/api/runs/{run['id']}/stream") as ws:
        server_message(ws.receive_text())
        ws.send_text(json.dumps({"type": "step", "steps": 40}))
        target = trained.json()["step"] + 40
        while True:
            message = server_message(ws.receive_text())
            if isinstance(message, Frame) and message.run.step >= target:
                break
    after = client.get(f"/api/runs/{run['id']}").json()
    assert after["status"] == "running" and after["pace"] == 0.1  # back to its pace
    paused = client.post(f"/api/runs/{run['id']}/pause").json()
    assert paused["status"] == "paused" and paused["pace"] == 0.1
    time.sleep(0.3)
    assert client.get(f"/api/runs/{run['id']}").json()["step"] == paused["step"]
    assert client.post(f"/api/runs/{run['id']}/play").json()["pace"] is None  # no cap now


@pytest.mark.parametrize("body", [{"steps_per_second": 0}, {"steps_per_second": 1e6},
                                  {"steps_per_second": "5"}, {"steps_per_second": -1},
                                  {"pace": 5}])
def test_a_bad_pace_is_a_422_naming_the_field(client: TestClient, body: dict) -> None:
    run = create(client)
    response = client.post(f"/api/runs/{run['id']}/play", json=body)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] in ("steps_per_second", "pace")
    assert client.get(f"/api/runs/{run['id']}").json()["status"] == "paused"


def test_a_bad_pace_over_the_websocket_is_an_error_and_the_stream_stays(
        client: TestClient) -> None:
    run = create(client)
    with client.websocket_connect(f"/api/runs/{run['id']}/stream") as ws:
        server_message(ws.receive_text())
        ws.send_text(json.dumps({"type": "play", "steps_per_second": 0.0}))
        message = server_message(ws.receive_text())
        while isinstance(message, Frame):  # the frame that follows a snapshot
            message = server_message(ws.receive_text())
        assert isinstance(message, ErrorMessage)
        assert message.field.endswith("steps_per_second"), message.field
        ws.send_text(json.dumps({"type": "play", "steps_per_second": 20}))
        while True:
            message = server_message(ws.receive_text())
            if isinstance(message, Frame) and message.run.status == "running":
                assert message.run.pace == 20.0
                break


def test_paced_runs_step_apart_from_fast_ones_of_their_group() -> None:
    """Driven pass by pass without the thread: in one group, a run at 5 steps/s takes its steps
    one at a time while its neighbours run free, and each gets what it is owed."""
    training = Training(small_settings(), "cpu")
    runs = training.runs
    fast = [runs.create(RunConfig())["id"] for _ in range(2)]
    slow = runs.create(RunConfig())["id"]
    for run_id in fast:
        runs.play(run_id)
    runs.play(slow, 5.0)
    calls = []
    group = training.registry.groups[training.registry.runs[slow].key]
    step = group.step
    group.step = lambda n=1, run_ids=None: (calls.append((n, tuple(run_ids))),
                                            step(n, run_ids))[1]
    started = time.monotonic()
    while time.monotonic() - started < 1.0:
        training.run_pass(block=False)
    elapsed = time.monotonic() - started
    steps = {run_id: status.step for run_id, status in group.statuses().items()}
    assert 1 <= steps[slow] <= 5.0 * (elapsed + 0.1) + 1
    assert all(steps[run_id] > 5 * steps[slow] for run_id in fast)
    assert all(n <= 2 for n, ids in calls if slow in ids)
    assert sum(n for n, ids in calls if slow in ids) == steps[slow]
