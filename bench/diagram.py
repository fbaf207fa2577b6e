"""What the network diagram costs a run: one 8x8 ReLU net (1-D sine, 2-D circle) played and
watched over a websocket at the frame rate, with every unit's picture and the network in each
frame and without ("draw ms": the thread's time per function picture). The server runs in this
process (uvicorn in a thread, the options of `nn-playground serve`) so its FrameBuilder's
`unit_pictures` can be switched between rounds: the same run, short rounds alternating so the
machine's drift hits both modes alike. The watcher is a separate process, as a browser is
(bench/watcher.py). Then the same for the exact 2-D regions and boundary (FrameBuilder's
`exact_regions` switched between the setting and 0), after timing the exact cut alone (one core,
random nets of 2-8-8-1 up to 2-16-16-16-1). Figures, not pass/fail.
"""

from __future__ import annotations

import logging
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

import numpy as np
import orjson
import torch
import uvicorn

from models.regions2d import linear_regions_2d
from server.app import create_app
from server.connections import websocket_protocol
from server.settings import Settings
from tests.live_server import free_port

ROUND = float(os.environ.get("BENCH_SECONDS", "8")) / 8  # s per round
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "12"))  # rounds per mode, alternating
SETTLE = 0.2  # s after a switch before a round counts (the frame in flight is of the old mode)
NETS = {"1-D sine": {"dataset": {"name": "sine"}, "model": {"hidden_units": 8, "depth": 2}},
        "2-D circle": {"dataset": {"name": "circle"}, "model": {"hidden_units": 8, "depth": 2}}}
# the exact 2-D regions and boundary (models/regions2d.py), on and off, pictures on throughout
EXACT = {"2-D 8x8": {"dataset": {"name": "circle"}, "model": {"hidden_units": 8, "depth": 2}},
         "2-D 16": {"dataset": {"name": "circle"}, "model": {"hidden_units": 16}}}


def serve(settings: Settings, port: int) -> tuple[uvicorn.Server, threading.Thread]:
    app = create_app(settings)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, workers=1,
                                           log_level="warning", ws_per_message_deflate=False,
                                           ws=websocket_protocol(settings.send_timeout)))
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    return server, thread


def compare(server: uvicorn.Server, port: int, config: dict,
            switch=None) -> dict[bool, list[dict]]:
    """Rounds with and without the unit pictures (or what `switch(frames, on)` turns on and
    off), alternating, of one watched run."""
    switch = switch or (lambda frames, on: setattr(frames, "unit_pictures", on))
    training = server.config.app.state.training
    frames = training.runs.frames  # the FrameBuilder all views share
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/runs",
                                     data=orjson.dumps(config),
                                     headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        run_id = orjson.loads(response.read())["id"]
    rounds: list[tuple[bool, float, float, float]] = []
    with tempfile.TemporaryFile("w+") as log:
        watcher = subprocess.Popen([sys.executable, "-m", "bench.watcher",
                                    f"ws://127.0.0.1:{port}/api/runs/{run_id}/stream"],
                                   stdout=log)
        while log.tell() == 0 and watcher.poll() is None:  # until its first frame
            time.sleep(0.1)
        time.sleep(1.0)  # warm-up
        for turn in range(2 * ROUNDS):
            pictures = turn % 2 == 0
            switch(frames, pictures)  # read by the training thread at each frame
            time.sleep(SETTLE)
            started = time.monotonic()
            time.sleep(ROUND)
            # the thread's recent seconds per function picture (an average kept by Watching)
            drawing = training.registry.runs[run_id].watch.function_seconds
            rounds.append((pictures, started, time.monotonic(), drawing))
        watcher.terminate()
        watcher.wait(10)
        switch(frames, True)
        log.seek(0)
        seen = [tuple(float(v) for v in line.split()) for line in log if line.strip()]
    results: dict[bool, list[dict]] = {True: [], False: []}
    for pictures, start, end, drawing in rounds:
        inside = [s for s in seen if start <= s[0] <= end]
        elapsed = inside[-1][0] - inside[0][0]
        results[pictures].append({"steps_s": (inside[-1][1] - inside[0][1]) / elapsed,
                                  "frames_s": (len(inside) - 1) / elapsed,
                                  "frame_kb": sum(s[2] for s in inside) / len(inside) / 1e3,
                                  "draw_ms": 1e3 * drawing})
    return results


def exact_switch(settings: Settings):
    def switch(frames, on: bool) -> None:
        frames.exact_regions = settings.exact_regions_2d if on else 0
    return switch


def report(out, name: str, title: str, results: dict[bool, list[dict]]) -> None:
    medians = {mode: {key: statistics.median(r[key] for r in rounds)
                      for key in rounds[0]} for mode, rounds in results.items()}
    for mode in (True, False):
        m = medians[mode]
        out.write(f"{name:<11} {'on' if mode else 'off':<13} {m['steps_s']:>9,.0f} "
                  f"{m['frames_s']:>9.1f} {m['frame_kb']:>9.1f} {m['draw_ms']:>8.2f}\n")
    ratio = medians[True]["steps_s"] / medians[False]["steps_s"]
    best = (max(r["steps_s"] for r in results[True])
            / max(r["steps_s"] for r in results[False]))
    thread = (medians[True]["draw_ms"] - medians[False]["draw_ms"]) \
        * medians[True]["frames_s"] / 10  # ms per s -> % of the thread
    out.write(f"{name:<11} with / without: median {ratio:.3f} (the {title} cost "
              f"{100 * (1 - ratio):.1f}% of its steps/s), best round {best:.3f}; "
              f"drawing them takes {thread:.1f}% of the thread\n")
    out.flush()


def exact_timing(out) -> None:
    """The exact 2-D regions alone (models/regions2d.py), one core, random nets of the issue's
    sizes: the median of 30 calls each, over the same square the datasets use."""
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    for widths in ((8, 8), (16,), (16, 16), (16, 16, 16)):
        sizes = [2, *widths, 1]
        layers = [(rng.normal(size=(o, i)) / np.sqrt(i), rng.uniform(-1, 1, o))
                  for i, o in zip(sizes[:-1], sizes[1:], strict=True)]
        times, count = [], None
        for _ in range(30):
            started = time.perf_counter()
            count = linear_regions_2d(layers, "relu", (-1.5, 1.5), (-1.5, 1.5)).count
            times.append(time.perf_counter() - started)
        net = "-".join(str(n) for n in sizes)
        out.write(f"exact regions of a random {net:<13} ReLU net: {count:>5} polygons in "
                  f"{1e3 * statistics.median(times):6.1f} ms (median of 30)\n")
    out.flush()


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    settings = Settings(device="cpu", log_level="warning",  # a database of its own: no old runs
                        data_dir=tempfile.mkdtemp(prefix="bench-data-"))
    port = free_port()
    server, thread = serve(settings, port)
    out = sys.stdout
    exact_timing(out)
    out.write(f"diagram: 8x8 ReLU nets (hidden_units 8, depth 2) played and watched at "
              f"{settings.frame_rate:.0f} frames/s, {ROUNDS} rounds of {ROUND:.1f} s per mode, "
              f"alternating; server in this process, watcher in another; {os.cpu_count()} CPUs\n")
    try:
        for title, nets, switch in (("unit pictures", NETS, None),
                                    ("exact regions", EXACT, exact_switch(settings))):
            out.write(f"{'net':<11} {title:<13} {'steps/s':>9} {'frames/s':>9} "
                      f"{'frame KB':>9} {'draw ms':>8}\n")
            for name, config in nets.items():
                report(out, name, title, compare(server, port, config, switch))
    finally:
        server.should_exit = True
        thread.join(10)


if __name__ == "__main__":
    main()
