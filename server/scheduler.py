"""The training thread: owns every tensor, steps run groups in short fair slices, applies commands
between slices, has frames built (publish.py), pauses and expires idle runs.
Routes never touch the engine: they `call()` a command and await it; this thread never awaits them.
A failure in one run's step, frame or snapshot stays with that run (`fail`): it is paused and
marked, its waiters answered, its watchers told; every other run goes on.
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

from server.budgets import Budgets
from server.errors import ApiError
from server.operations import Operations
from server.publish import RATE_WINDOW, Publisher
from server.registry import Registry, RunEntry
from server.settings import Settings
from server.slices import Slices

log = logging.getLogger(__name__)
LIFECYCLE_EVERY = 0.25  # s between idle/TTL checks
SWITCH_INTERVAL = 0.0002  # s


class Scheduler(Operations, Publisher):
    """One thread, one command queue. Public `op_*` methods run on the thread via `call()`."""

    def __init__(self, settings: Settings, device: str) -> None:
        self.settings = settings
        self.device = device
        self.registry = Registry(device)
        self.frame_interval = 1.0 / settings.frame_rate
        self.slices = Slices()
        self.budgets = Budgets(settings)
        self.last_pass = time.monotonic()  # when the loop last completed a pass (see health)
        self._commands: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._last_lifecycle = 0.0
        self._deliveries: list[tuple[Callable, tuple]] = []
        self._frame_seconds = 0.0  # recent time per frame phase (EMA)
        self._failures = 0  # passes in a row that failed outside any one run's work
        self._totals = [0.0, 0.0, 0, time.monotonic()]  # train s, frame s, iterations, since

    # ---- lifecycle of the thread (event loop side) ----
    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        # Torch releases the GIL around every op; with the default 5 ms switch interval each
        # re-acquire can wait behind the event loop, and tiny-tensor training crawls.
        sys.setswitchinterval(SWITCH_INTERVAL)
        self._loop = loop
        self.last_pass = time.monotonic()
        self._thread = threading.Thread(target=self._run, name="training", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the thread; every waiting request is answered (503) instead of hanging."""
        self._stopping.set()
        self._commands.put(None)
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def run_count(self) -> int:
        return len(self.registry.runs)

    @property
    def loop_age(self) -> float:
        """Seconds since the training loop last completed a pass (large: it is wedged)."""
        return time.monotonic() - self.last_pass

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
            except Exception:  # a bug outside any one run's work: log it, back off, never spin
                self._failures += 1
                log.exception("training loop error (%d in a row)", self._failures)
                time.sleep(min(1.0, 0.05 * 2 ** min(self._failures, 5)))
            else:
                self._failures = 0
                self.last_pass = time.monotonic()
            self._flush()
        self._answer_all(ApiError(503, "the server is shutting down"))
        self._flush()
        log.info("training thread stopped")

    def _answer_all(self, error: ApiError) -> None:
        """Shutdown: no request may wait for a thread that is gone."""
        for entry in self.registry.runs.values():
            waiters, entry.train_waiters = entry.train_waiters, []
            for future in waiters:
                future.set_exception(error)
        while True:
            try:
                item = self._commands.get_nowait()
            except queue.Empty:
                return
            if item is not None and item[2].set_running_or_notify_cancel():
                item[2].set_exception(error)

    def fail(self, entry: RunEntry, error: BaseException, doing: str) -> None:
        """`entry` broke while the thread was `doing` something with it: pause and mark it,
        answer its waiters and tell its watchers; nothing else is affected."""
        log.error("a run failed while %s: %s: %s", doing, type(error).__name__, error,
                  exc_info=error)
        log.debug("the failed run is %s", entry.id)
        text = f"{type(error).__name__}: {error}"
        entry.error = f"the server failed while {doing} this run ({text[:200]})"
        entry.playing, entry.train_remaining = False, 0
        self._finish_training(entry)
        self.notify(entry, entry.error, "status")

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
        return any(e.active or (e.subscribers and e.dirty and e.urgent)
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
            except ApiError as error:
                future.set_exception(error)
            except Exception as error:  # a bug: this request fails, the thread goes on
                log.exception("command %s failed", getattr(method, "__name__", method))
                future.set_exception(ApiError(500, f"the server failed on this request "
                                                   f"({type(error).__name__})"))

    def _train_phase(self) -> None:
        runs = self.registry.runs
        for entry in runs.values():
            if (entry.diverged or entry.error) and (entry.playing or entry.train_remaining):
                self._stop(entry)
        active = {}
        for key, group in self.registry.groups.items():
            members = [runs[r] for r in group.run_ids if runs[r].active]
            if members:
                active[key] = members
        self.slices.idle(set(active))
        if not active:
            return
        quantum = max(0.001, min(self.settings.slice_seconds, self.frame_interval / len(active)),
                      self._frame_seconds / len(active))  # training gets at least what frames get
        for key, members in active.items():
            chunk, steps = self.slices.plan(key, members, quantum)
            playing = [e for e in chunk if e.playing]
            training = [e for e in chunk if not e.playing]
            for batch, n in ((playing, steps),
                             (training, min([steps] + [e.train_remaining for e in training]))):
                if batch:
                    self._step(key, batch, n)

    def _step(self, key: Any, batch: list[RunEntry], n: int) -> None:
        """n steps of these runs of one group; a failure is traced to the runs that cause it."""
        group = self.registry.groups[key]
        started = time.perf_counter()
        try:
            group.step(n, [e.id for e in batch])
        except Exception as error:  # noqa: BLE001 - whatever it is, it belongs to these runs
            self.slices.book(key, 0, 0, time.perf_counter() - started)
            if len(batch) == 1:
                self.fail(batch[0], error, "training")
                return
            for entry in batch:  # which of them? each alone, one step
                try:
                    group.step(1, [entry.id])
                except Exception as alone:  # noqa: BLE001
                    self.fail(entry, alone, "training")
                else:
                    self._stepped(entry, 1)
            return
        self.slices.book(key, len(batch), n, time.perf_counter() - started)
        for entry in batch:
            self._stepped(entry, n)

    def _stepped(self, entry: RunEntry, n: int) -> None:
        entry.window_steps += n
        entry.dirty = True
        if entry.train_remaining:
            entry.train_remaining = max(0, entry.train_remaining - n)
            if not entry.train_remaining:
                self._finish_training(entry)

    def _stop(self, entry: RunEntry) -> None:
        """A diverged or failed run stops: queued steps are dropped, their waiters answered."""
        entry.playing, entry.train_remaining = False, 0
        self._finish_training(entry)

    def _finish_training(self, entry: RunEntry) -> None:
        waiters, entry.train_waiters = entry.train_waiters, []
        entry.dirty = entry.urgent = True  # watchers see the finished state at once
        if not waiters:
            return
        try:
            if entry.error:
                raise ApiError(409, f"the run failed: {entry.error}; reset it", "status")
            outcome, ok = self.op_get(entry.id), True
        except Exception as error:  # noqa: BLE001 - handed to the waiting requests
            outcome, ok = error, False
            if not isinstance(error, ApiError):
                outcome = ApiError(409, f"the run failed ({type(error).__name__})", "status")
        for future in waiters:
            future.set_result(outcome) if ok else future.set_exception(outcome)

    def _lifecycle_phase(self) -> None:
        now = time.monotonic()
        if now - self._last_lifecycle < LIFECYCLE_EVERY:
            return
        self._last_lifecycle = now
        self.slices.forget(set(self.registry.groups))
        idle_timeout = self.settings.idle_timeout
        for entry in list(self.registry.runs.values()):
            if entry.subscribers:
                entry.last_watched = entry.last_activity = now
                continue
            if now - entry.window_start >= RATE_WINDOW:
                self.refresh_rate(entry)  # keep steps/s fresh for REST readers
            # no watcher and no request about it (REST-played runs too): nobody is looking
            if entry.playing and now - max(entry.last_watched, entry.last_activity) > idle_timeout:
                log.info("a run had no watcher and no request for %.0f s: pausing it",
                         idle_timeout)
                entry.playing = False
            if now - entry.last_activity > self.settings.run_ttl and not entry.train_remaining:
                log.info("a run was inactive for %.0f s: deleting it", self.settings.run_ttl)
                self.op_delete(entry.id)
        for group in self.registry.groups.values():  # notice divergence of unwatched runs
            playing = [r for r in group.run_ids if self.registry.runs[r].playing]
            for run_id, status in self.statuses(group, playing, "checking").items():
                entry = self.registry.runs[run_id]
                entry.status = status
                if status.diverged:
                    entry.playing = False

    def statuses(self, group: Any, run_ids: list[str], doing: str) -> dict:
        """group.statuses(run_ids), with a failing run traced and failed alone."""
        if not run_ids:
            return {}
        try:
            return group.statuses(run_ids)
        except Exception:  # noqa: BLE001 - find the run it belongs to
            result = {}
            for run_id in run_ids:
                try:
                    result.update(group.statuses([run_id]))
                except Exception as error:  # noqa: BLE001
                    self.fail(self.registry.runs[run_id], error, doing)
            return result
