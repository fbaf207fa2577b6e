"""Fair shares of the training thread (server/slices.py): with a fake clock and a cost model, no
sockets; then once with a real server, the attack replayed small. Before, a group stepped all its
runs at least once per pass: 16 maximum-cost runs held every pass for a quarter of a second and a
classmate fell from 26.8 to 1.2 frames/s."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request
from collections import Counter

import pytest
import websockets

from server.slices import Slices
from tests.live_server import LiveServer, live_server
from tests.server.conftest import server_message

QUANTUM = 0.008


def simulate(groups: dict[str, tuple[int, float, float]], passes: int):
    """groups: name -> (runs, fixed seconds per step, seconds per run per step). Returns the
    seconds each group used, each run's steps and the longest single step call."""
    slices = Slices()
    used: Counter = Counter()
    steps: Counter = Counter()
    longest = 0.0
    for _ in range(passes):
        for name, (runs, fixed, per_run) in groups.items():
            members = [(name, index) for index in range(runs)]
            chunk, n = slices.plan(name, members, QUANTUM)
            if not chunk:
                continue
            seconds = n * (fixed + per_run * len(chunk))  # what the engine would take
            slices.book(name, len(chunk), n, seconds)
            used[name] += seconds
            longest = max(longest, seconds)
            for member in chunk:
                steps[member] += n
    return used, steps, longest


def test_every_group_gets_an_equal_share_of_time() -> None:
    groups = {"greedy": (16, 0.0005, 0.015), "light": (1, 0.0001, 0.00005),
              "class": (30, 0.0002, 0.00002)}
    used, _, _ = simulate(groups, 2000)
    total = sum(used.values())
    for name in groups:
        assert used[name] / total == pytest.approx(1 / 3, abs=0.05), used


def test_no_pass_is_held_much_longer_than_one_runs_step() -> None:
    _, _, longest = simulate({"greedy": (16, 0.0005, 0.015), "light": (1, 0.0001, 0.00005)},
                             500)
    assert longest <= 2 * (0.0005 + 0.015)  # before: all 16 at once, 0.24 s


def test_the_runs_of_a_chunked_group_take_turns() -> None:
    _, steps, _ = simulate({"greedy": (16, 0.0005, 0.015)}, 3000)
    counts = [steps[("greedy", index)] for index in range(16)]
    assert min(counts) > 0 and max(counts) - min(counts) <= max(counts) * 0.1


def test_a_cheap_group_steps_many_times_per_slice() -> None:
    _, steps, longest = simulate({"tiny": (4, 0.0001, 0.00001)}, 50)
    assert steps[("tiny", 0)] > 50 * 10 and longest <= 2 * QUANTUM


def rest(server: LiveServer, method: str, path: str, body: dict | None = None) -> dict:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(server.url + path, data=data, method=method,
                                     headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read() or b"null")


async def watch(server: LiveServer, run_id: str, seconds: float) -> tuple[float, float]:
    """Play the run while watching it: (frames per second, steps per second)."""
    async with websockets.connect(f"{server.ws_url}/api/runs/{run_id}/stream") as ws:
        server_message(await ws.recv())
        await ws.send('{"type": "play"}')
        frames, first, last = 0, None, None
        started = time.monotonic()
        while time.monotonic() - started < seconds:
            message = server_message(await asyncio.wait_for(ws.recv(), 10))
            if message.type == "frame":
                frames += 1
                first = message.run.step if first is None else first
                last = message.run.step
        await ws.send('{"type": "pause"}')
    elapsed = time.monotonic() - started
    return frames / elapsed, (last - first) / elapsed


@pytest.mark.slow
def test_a_classmate_keeps_frames_and_steps_beside_a_greedy_client() -> None:
    env = {"PLAYGROUND_DEVICE": "cpu", "PLAYGROUND_MAX_CLIENT_STEP_COST": "1e12",
           "PLAYGROUND_FRAME_RATE": "30"}
    heavy = {"dataset": {"n_points": 1000}, "model": {"hidden_units": 256, "depth": 4}}
    with live_server(env=env) as server:
        classmate = rest(server, "POST", "/api/runs", {})
        alone_frames, alone_steps = asyncio.run(watch(server, classmate["id"], 2.0))
        greedy = [rest(server, "POST", "/api/runs", heavy) for _ in range(8)]
        for run in greedy:  # each step of each costs about the max_step_cost (~10 ms)
            rest(server, "POST", f"/api/runs/{run['id']}/play")
        time.sleep(0.5)
        frames, steps = asyncio.run(watch(server, classmate["id"], 3.0))
        for run in greedy:
            assert rest(server, "GET", f"/api/runs/{run['id']}")["step"] > 0  # they train too
    assert frames >= 0.5 * alone_frames, (frames, alone_frames)
    assert steps >= 0.2 * alone_steps, (steps, alone_steps)
