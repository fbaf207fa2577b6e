"""The training thread: owns every tensor, steps run groups in short fair slices, applies commands
between slices, has frames built (publish.py), pauses and expires idle runs.
Routes never touch the engine: they `call()` a command and await it; this thread never awaits them.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

import torch

from server.errors import ApiError
from server.operations import Operations
from server.publish import RATE_WINDOW, Publisher
from server.registry import Registry, RunEntry
from server.settings import Settings

log = logging.getLogger(__name__)
MAX_STEPS_PER_SLICE = 2000
LIFECYCLE_EVERY = 0.25  # s between idle/TTL checks
SWITCH_INTERVAL = 0.0002  # s


class Scheduler(Operations, Publisher):
    """One thread, one command queue. Public `op_*` methods run on the thread via `call()`."""

    def __init__(self, settings: Settings, device: str) -> None:
        self.settings = settings
        self.device = device
        self.registry = Registry(device)
        self.frame_interval = 1.0 / settings.frame_rate
        self._commands: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._step_seconds: dict = {}  # group key -> measured seconds per step (EMA)
        self._last_lifecycle = 0.0
        self._deliveries: list[tuple[Callable, tuple]] = []
        self._frame_seconds = 0.0  # recent time per frame phase (EMA)
        self._totals = [0.0, 0.0, 0, time.monotonic()]  # train s, frame s, iterations, since

    # ---- lifecycle of the thread (event loop side) ----
    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        # Torch releases the GIL around every op; with the default 5 ms switch interval each
        # re-acquire can wait behind the event loop, and tiny-tensor training crawls.
        sys.setswitchinterval(SWITCH_INTERVAL)
        self._loop = loop
        self._thread = threading.Thread(target=self._run, name="training", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        self._commands.put(None)
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def run_count(self) -> int:
        return len(self.registry.runs)

    async def call(self, method: Callable[..., Any], *args: Any) -> Any:
        """Run `method(*args)` on the training thread between slices and await its result."""
        if self._stopping.is_set() or self._thread is None or not self._thread.is_alive():
            raise ApiError(503, "the training thread is not running")
        future: Future = Future()
        self._commands.put((method, args, future))
        return await asyncio.wrap_future(future)

    def post(self, method: Callable[..., Any], *args: Any) -> None:
        """Run `method(*args)` on the training thread; nobody waits for the result."""
        if not self._stopping.is_set():
            self._commands.put((method, args, Future()))

    # ---- the thread ----
    def _run(self) -> None:
        torch.set_num_threads(1)
        log.info("training thread started on %s", self.device)
        while not self._stopping.is_set():
            try:
                self._commands_phase()
                started = time.perf_counter()
                self._train_phase()
                trained = time.perf_counter()
                self._frame_phase()
                framed = time.perf_counter()
                self._lifecycle_phase()
                self._account(trained - started, framed - trained)
            except Exception:  # a bug must not kill the thread that serves everyone
                log.exception("training loop error")
                time.sleep(0.05)
            self._flush()
        log.info("training thread stopped")

    def _account(self, train: float, frames: float) -> None:
        """Remember how long frames took, so training keeps at least an equal share."""
        self._frame_seconds = 0.8 * self._frame_seconds + 0.2 * frames
        totals = self._totals
        totals[0] += train
        totals[1] += frames
        totals[2] += 1
        now = time.monotonic()
        if now - totals[3] >= 5.0:
            log.debug("last %.0f s: training %.2f s, frames %.2f s, %d iterations",
                      now - totals[3], *totals[:3])
            self._totals = [0.0, 0.0, 0, now]

    def _busy(self) -> bool:
        return any(e.playing or e.train_remaining or (e.subscribers and e.dirty and e.urgent)
                   for e in self.registry.runs.values())

    def _commands_phase(self) -> None:
        block = not self._busy()
        while True:
            try:
                item = self._commands.get(block=block, timeout=LIFECYCLE_EVERY if block else None)
            except queue.Empty:
                return
            block = False
            if item is None:
                return
            method, args, future = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(method(*args))
            except BaseException as error:  # noqa: B036 - handed to the awaiting route
                if not isinstance(error, ApiError):
                    log.exception("command %s failed", getattr(method, "__name__", method))
                future.set_exception(error)

    def _train_phase(self) -> None:
        runs = self.registry.runs
        for entry in runs.values():
            if entry.diverged and (entry.playing or entry.train_remaining):
                self._stop_diverged(entry)
        active = [k for k, g in self.registry.groups.items()
                  if any(runs[r].playing or runs[r].train_remaining for r in g.run_ids)]
        if not active:
            return
        budget = max(0.001, min(self.settings.slice_seconds, self.frame_interval / len(active)),
                     self._frame_seconds / len(active))  # training gets at least what frames get
        for key in active:
            group = self.registry.groups[key]
            entries = [runs[r] for r in group.run_ids if not runs[r].diverged]
            playing = [e for e in entries if e.playing]
            training = [e for e in entries if not e.playing and e.train_remaining]
            steps = int(min(MAX_STEPS_PER_SLICE,
                            max(1, budget / self._step_seconds.get(key, 1e-3))))
            for batch, n in ((playing, steps),
                             (training, min([steps] + [e.train_remaining for e in training]))):
                if not batch:
                    continue
                started = time.perf_counter()
                group.step(n, [e.id for e in batch])
                elapsed = time.perf_counter() - started
                per_step = self._step_seconds.get(key, elapsed / n)
                self._step_seconds[key] = 0.7 * per_step + 0.3 * elapsed / n
                for entry in batch:
                    entry.window_steps += n
                    entry.dirty = True
                    if entry.train_remaining:
                        entry.train_remaining = max(0, entry.train_remaining - n)
                        if not entry.train_remaining:
                            self._finish_training(entry)

    def _stop_diverged(self, entry: RunEntry) -> None:
        """A diverged run stops: queued steps are dropped and their waiters get the run."""
        entry.playing, entry.train_remaining = False, 0
        self._finish_training(entry)

    def _finish_training(self, entry: RunEntry) -> None:
        waiters, entry.train_waiters = entry.train_waiters, []
        if waiters:
            view = self.op_get(entry.id)
            for future in waiters:
                future.set_result(view)
        entry.dirty = entry.urgent = True  # watchers see the finished state at once

    def _lifecycle_phase(self) -> None:
        now = time.monotonic()
        if now - self._last_lifecycle < LIFECYCLE_EVERY:
            return
        self._last_lifecycle = now
        for key in self._step_seconds.keys() - self.registry.groups.keys():
            del self._step_seconds[key]  # that architecture has no runs left
        for entry in list(self.registry.runs.values()):
            if entry.subscribers:
                entry.last_watched = entry.last_activity = now
                continue
            if now - entry.window_start >= RATE_WINDOW:
                self._run_view(entry)  # keep steps/s fresh for REST readers
            if entry.playing and not entry.rest_started and (
                    now - entry.last_watched > self.settings.idle_timeout):
                log.info("run %s: no watcher for %.0f s, pausing", entry.id,
                         self.settings.idle_timeout)
                entry.playing = False
            if now - entry.last_activity > self.settings.run_ttl and not entry.train_remaining:
                log.info("run %s: inactive for %.0f s, deleting", entry.id, self.settings.run_ttl)
                self.op_delete(entry.id)
        for group in self.registry.groups.values():  # notice divergence of unwatched runs
            playing = [r for r in group.run_ids if self.registry.runs[r].playing]
            if playing:
                for run_id, status in group.statuses(playing).items():
                    entry = self.registry.runs[run_id]
                    entry.status = status
                    if status.diverged:
                        entry.playing = False

