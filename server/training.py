"""The training thread: the one owner of every tensor. Each pass applies the queued commands (the
run service's methods), trains (stepping.py), builds the frames that are due (publishing.py),
pauses and expires idle runs, and hands its messages to the event loop in one batch.

Routes never touch the engine: they `call()` a service method and await it; this thread never
awaits them. A failure in one run's work stays with that run (Watching.fail).
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
from threadpoolctl import threadpool_limits

from server.budgets import Budgets
from server.errors import ApiError
from server.frames import FrameBuilder
from server.publishing import Publishing
from server.registry import Registry
from server.saving import Saving
from server.service import RunService
from server.settings import Settings
from server.stepping import Stepping
from server.store import RunStore
from server.watching import Watching

log = logging.getLogger(__name__)
LIFECYCLE_EVERY = 0.25  # s between idle/TTL checks
SWITCH_INTERVAL = 0.0002  # s


class Training:
    """One thread, one command queue; `runs` (the service) and `watching` are what routes call."""

    def __init__(self, settings: Settings, device: str, store: RunStore | None = None) -> None:
        self.settings, self.device = settings, device
        self.frame_interval = 1.0 / settings.frame_rate
        self.registry = Registry(device)
        frames = FrameBuilder(settings)
        self.watching = Watching(self.registry, frames, self.deliver)
        self.runs = RunService(settings, device, self.registry, Budgets(settings), frames,
                               self.watching)
        self.saving = Saving(settings, self.registry, store)
        self.runs.on_delete = self.saving.forget
        self.stepping = Stepping(settings, self.registry, self.runs, self.watching)
        self.publishing = Publishing(self.registry, frames, self.watching, self.deliver,
                                     self.frame_interval)
        self.last_pass = time.monotonic()  # when the loop last completed a pass (see health)
        self._commands: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._last_lifecycle = 0.0
        self._deliveries: list[tuple[Callable, tuple]] = []
        self._frame_seconds = 0.0  # recent time per frame phase (EMA)
        self._failures = 0  # passes in a row that failed outside any one run's work

    # ---- the event loop's side ----
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
            if not self._thread.is_alive():  # the tensors are ours now: save what changed
                self.saving.due(time.monotonic(), every=True)

    @property
    def run_count(self) -> int:
        return len(self.registry.runs)

    @property
    def loop_age(self) -> float:
        """Seconds since the training loop last completed a pass (large: it is wedged)."""
        return time.monotonic() - self.last_pass

    async def call(self, method: Callable[..., Any], *args: Any) -> Any:
        """Run `method(*args)` on the training thread between passes and await its result."""
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
    def deliver(self, method: Callable, *args: Any) -> None:
        """Call method(*args) on the event loop after this pass (slots live there)."""
        self._deliveries.append((method, args))

    def _flush(self) -> None:
        if self._deliveries and self._loop is not None and not self._loop.is_closed():
            batch, self._deliveries = self._deliveries, []
            self._loop.call_soon_threadsafe(_apply, batch)

    def _run(self) -> None:
        torch.set_num_threads(1)
        # numpy's BLAS too: its second thread only fights the event loop for the other core
        threadpool_limits(1)
        log.info("training thread started on %s", self.device)
        while not self._stopping.is_set():
            try:
                self.run_pass()
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

    def run_pass(self, block: bool | None = None) -> None:
        """One pass: commands, training, frames, lifecycle. `block`: wait for a command when
        nothing else is to be done (default: for as long as nothing is due, see _idle)."""
        if block is None:
            wait = self._idle(time.monotonic())
        else:
            wait = LIFECYCLE_EVERY if block else 0.0
        self._commands_phase(wait)
        self.stepping.train(self._frame_seconds, self.frame_interval)
        started = time.perf_counter()
        self.publishing.publish(time.monotonic())
        self._frame_seconds = 0.8 * self._frame_seconds + 0.2 * (time.perf_counter() - started)
        self._lifecycle_phase()

    def _idle(self, now: float) -> float:
        """Seconds until anything is due (0: something is): a step of an unpaced active run, a
        paced run's next step, a dirty watched run's next frame, at most LIFECYCLE_EVERY. The
        thread waits for commands that long instead of polling."""
        wait = LIFECYCLE_EVERY
        for record in self.registry.runs.values():
            watch = record.watch
            if watch.slots and watch.dirty:
                if watch.urgent:
                    return 0.0
                wait = min(wait, watch.next_frame - now)
            if record.paced:
                wait = min(wait, record.pace.due - now)
            elif record.active:
                return 0.0
        return max(0.0, wait)

    def _busy(self) -> bool:
        """Whether the thread has something to do now (it does not wait for a command)."""
        return self._idle(time.monotonic()) == 0.0

    def _commands_phase(self, wait: float) -> None:
        """Apply the queued commands, first waiting up to `wait` seconds for one."""
        block = wait > 0
        while True:
            try:
                item = self._commands.get(block=block, timeout=wait if block else None)
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

    def _lifecycle_phase(self) -> None:
        now = time.monotonic()
        if now - self._last_lifecycle < LIFECYCLE_EVERY:
            return
        self._last_lifecycle = now
        self.stepping.forget()
        for record in list(self.registry.runs.values()):
            self.runs.idle(record, now)
        self.saving.due(now)
        for group in self.registry.groups.values():  # notice divergence of unwatched runs
            playing = [r for r in group.run_ids if self.registry.runs[r].playing]
            for run_id, status in self._statuses(group, playing).items():
                record = self.registry.runs[run_id]
                record.status = status
                if status.diverged:
                    record.playing = False

    def _statuses(self, group: Any, run_ids: list[str]) -> dict:
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
                    self.watching.fail(self.registry.runs[run_id], error, "checking")
            return result

    def _answer_all(self, error: ApiError) -> None:
        """Shutdown: no request may wait for a thread that is gone."""
        for record in self.registry.runs.values():
            record.work.answer(error=error)
        while True:
            try:
                item = self._commands.get_nowait()
            except queue.Empty:
                return
            if item is not None and item[2].set_running_or_notify_cancel():
                item[2].set_exception(error)


def _apply(batch: list[tuple[Callable, tuple]]) -> None:
    for method, args in batch:
        method(*args)
