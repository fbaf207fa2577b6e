"""Load benchmark: N websocket clients, each watching its own playing run, against a live server.

Prints per-run steps/s, delivered frames/s, frame size, pause->paused-frame latency and server RSS
for N = 1, 16, 64, 128, then a watched vs unwatched single-run comparison, then a classmate's frames
and steps alone and beside a greedy client (8 runs of 256x4 units on 1,000 points). Figures, not
pass/fail (tests/server/test_fair_share.py checks the shares on a fake clock).
"""

from __future__ import annotations

import asyncio
import logging
import os
import statistics
import sys
import time
import urllib.request

import orjson
import psutil
import websockets

from tests.live_server import live_server

log = logging.getLogger(__name__)
DURATION = float(os.environ.get("BENCH_SECONDS", "8"))
CLIENTS = tuple(int(n) for n in os.environ.get("BENCH_CLIENTS", "1,16,64,128").split(","))


def rest(base: str, method: str, path: str, body: dict | None = None) -> dict | None:
    data = None if body is None else orjson.dumps(body)
    request = urllib.request.Request(base + path, data=data, method=method,
                                     headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        text = response.read()
    return orjson.loads(text) if text else None


class Watcher:
    """One client: its own run, playing, counting what arrives."""

    def __init__(self, base: str, ws_base: str) -> None:
        self.base, self.ws_base = base, ws_base
        self.run_id = rest(base, "POST", "/api/runs", {})["id"]
        self.frames = self.bytes = 0
        self.first_step = self.last_step = 0
        self.paused_at: float | None = None
        self.pause_sent: float | None = None
        self.counting = False
        self.warming = True

    async def watch(self, stop: asyncio.Event) -> None:
        async with websockets.connect(f"{self.ws_base}/api/runs/{self.run_id}/stream",
                                      max_size=2**24) as ws:
            await ws.recv()  # snapshot
            await ws.send('{"type": "play"}')
            receiver = asyncio.create_task(self._receive(ws))
            await stop.wait()
            self.pause_sent = time.perf_counter()
            await ws.send('{"type": "pause"}')
            try:
                await asyncio.wait_for(receiver, timeout=10)
            except TimeoutError:
                pass

    async def _receive(self, ws) -> None:
        async for text in ws:
            message = orjson.loads(text)
            if message["type"] != "frame":
                continue
            run = message["run"]
            if self.pause_sent is not None and run["status"] == "paused":
                self.paused_at = time.perf_counter()
                return
            if self.counting:
                self.frames += 1
                self.bytes += len(text)
                self.last_step = run["step"]
            elif self.warming:
                self.first_step = self.last_step = run["step"]

    def start_counting(self) -> None:
        self.counting, self.warming, self.frames, self.bytes = True, False, 0, 0
        self.first_step = self.last_step


async def load_round(base: str, ws_base: str, clients: int, pid: int) -> dict:
    watchers = [Watcher(base, ws_base) for _ in range(clients)]
    stop = asyncio.Event()
    tasks = [asyncio.create_task(w.watch(stop)) for w in watchers]
    await asyncio.sleep(1.5)  # warm up: every client connected and playing
    for watcher in watchers:
        watcher.start_counting()
    started = time.perf_counter()
    await asyncio.sleep(DURATION)
    elapsed = time.perf_counter() - started
    for watcher in watchers:
        watcher.counting = False
    rss = psutil.Process(pid).memory_info().rss / 2**20
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    for watcher in watchers:
        rest(base, "DELETE", f"/api/runs/{watcher.run_id}")
    steps = [(w.last_step - w.first_step) / elapsed for w in watchers]
    latencies = [w.paused_at - w.pause_sent for w in watchers if w.paused_at]
    return {
        "clients": clients,
        "steps_s": statistics.median(steps), "steps_s_min": min(steps),
        "frames_s": statistics.median(w.frames / elapsed for w in watchers),
        "frames_s_min": min(w.frames / elapsed for w in watchers),
        "frame_kb": sum(w.bytes for w in watchers) / max(1, sum(w.frames for w in watchers)) / 1e3,
        "pause_ms": 1e3 * statistics.median(latencies) if latencies else float("nan"),
        "pause_ms_max": 1e3 * max(latencies) if latencies else float("nan"),
        "rss_mb": rss,
    }


async def watched_steps(base: str, ws_base: str, seconds: float) -> float:
    """Steps/s of one run played and watched over a websocket, from its frames."""
    run_id = rest(base, "POST", "/api/runs", {})["id"]
    first = last = None
    async with websockets.connect(f"{ws_base}/api/runs/{run_id}/stream") as ws:
        await ws.recv()
        await ws.send('{"type": "play"}')
        started = time.perf_counter()
        while time.perf_counter() - started < seconds:
            run = orjson.loads(await ws.recv())["run"]
            if run["status"] == "running":
                last = (run["step"], time.perf_counter())
                first = first or last
    rest(base, "DELETE", f"/api/runs/{run_id}")
    return (last[0] - first[0]) / (last[1] - first[1])


def unwatched_steps(base: str, seconds: float) -> float:
    """Steps/s of one run played over REST with nobody watching."""
    run_id = rest(base, "POST", "/api/runs", {})["id"]
    rest(base, "POST", f"/api/runs/{run_id}/play")
    time.sleep(0.5)
    first, started = rest(base, "GET", f"/api/runs/{run_id}")["step"], time.perf_counter()
    time.sleep(seconds)
    steps = rest(base, "GET", f"/api/runs/{run_id}")["step"] - first
    elapsed = time.perf_counter() - started
    rest(base, "DELETE", f"/api/runs/{run_id}")
    return steps / elapsed


def streaming_cost(base: str, ws_base: str, repeats: int = 3) -> tuple[float, float]:
    """Median steps/s unwatched and watched, alternating to spread the machine's noise."""
    unwatched, watched = [], []
    for _ in range(repeats):
        unwatched.append(unwatched_steps(base, DURATION / 2))
        watched.append(asyncio.run(watched_steps(base, ws_base, DURATION / 2)))
    return statistics.median(unwatched), statistics.median(watched)


async def classmate(base: str, ws_base: str, seconds: float) -> tuple[float, float]:
    """(frames/s, steps/s) of one watched, playing default run."""
    watcher = Watcher(base, ws_base)
    stop = asyncio.Event()
    task = asyncio.create_task(watcher.watch(stop))
    await asyncio.sleep(1.0)
    watcher.start_counting()
    started = time.perf_counter()
    await asyncio.sleep(seconds)
    elapsed = time.perf_counter() - started
    watcher.counting = False
    stop.set()
    await asyncio.gather(task, return_exceptions=True)
    rest(base, "DELETE", f"/api/runs/{watcher.run_id}")
    return watcher.frames / elapsed, (watcher.last_step - watcher.first_step) / elapsed


GREEDY = {"dataset": {"n_points": 1000}, "model": {"hidden_units": 256, "depth": 4}}


def fair_share(out) -> None:
    """A classmate alone, then beside 8 greedy runs (each step ~15 ms) of another client."""
    env = {"PLAYGROUND_MAX_CLIENT_STEP_COST": "1e12", "PLAYGROUND_FRAME_RATE": "30",
           "PLAYGROUND_LOG_LEVEL": "warning"}
    seconds = DURATION / 2
    with live_server(env=env) as server:
        alone = asyncio.run(classmate(server.url, server.ws_url, seconds))
        greedy = [rest(server.url, "POST", "/api/runs", GREEDY)["id"] for _ in range(8)]
        for run_id in greedy:
            rest(server.url, "POST", f"/api/runs/{run_id}/play")
        time.sleep(0.5)
        beside = asyncio.run(classmate(server.url, server.ws_url, seconds))
        greedy_steps = [rest(server.url, "GET", f"/api/runs/{r}")["step"] for r in greedy]
    out.write(f"fair share: a classmate alone {alone[0]:.1f} frames/s, {alone[1]:.0f} steps/s; "
              f"beside a greedy client {beside[0]:.1f} frames/s ({beside[0] / alone[0]:.0%}), "
              f"{beside[1]:.0f} steps/s ({beside[1] / alone[1]:.0%}); the greedy runs took "
              f"{min(greedy_steps)}-{max(greedy_steps)} steps each\n")


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    env = {"PLAYGROUND_MAX_RUNS": "512",
           "PLAYGROUND_LOG_LEVEL": os.environ.get("PLAYGROUND_LOG_LEVEL", "warning")}
    out = sys.stdout
    with live_server(env=env) as server:
        pid = server.process.pid
        out.write(f"load: default config playing, {DURATION:.0f} s per round, "
                  f"{os.cpu_count()} CPUs (client and server share them)\n")
        out.write(f"{'clients':>7} {'steps/s':>9} {'min':>7} {'frames/s':>9} {'min':>6} "
                  f"{'frame KB':>9} {'pause ms':>9} {'max':>6} {'RSS MB':>7}\n")
        for clients in CLIENTS:
            r = asyncio.run(load_round(server.url, server.ws_url, clients, pid))
            out.write(f"{r['clients']:>7} {r['steps_s']:>9.0f} {r['steps_s_min']:>7.0f} "
                      f"{r['frames_s']:>9.1f} {r['frames_s_min']:>6.1f} {r['frame_kb']:>9.2f} "
                      f"{r['pause_ms']:>9.1f} {r['pause_ms_max']:>6.0f} {r['rss_mb']:>7.0f}\n")
            out.flush()
        unwatched, watched = streaming_cost(server.url, server.ws_url)
        cost = 100 * (1 - watched / unwatched)
        out.write(f"single run: unwatched (REST play) {unwatched:.0f} steps/s, watched "
                  f"{watched:.0f} steps/s, streaming costs {cost:.1f}%\n")
    fair_share(out)


if __name__ == "__main__":
    main()
