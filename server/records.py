"""What the server keeps about one run besides its tensors (the engine holds those): the run's own
state, its watchers, its pending work and its pace, as small records.

Plain data with a few one-line helpers; only the training thread reads or writes them.
"""

from __future__ import annotations

import secrets
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from models.engine import RunConfig, RunStatus
from models.landscape import Trajectory
from models.network import ModelConfig
from server.slot import Slot

GroupKey = tuple[ModelConfig, str]  # runs of one architecture and optimiser train as one group
RATE_WINDOW = 0.5  # s over which steps/s is measured
CATCH_UP = 0.1  # s of a paced run's missed steps it may make up at once; older ones are forgiven


def new_run_id() -> str:
    """At least 128 random bits, URL-safe."""
    return secrets.token_urlsafe(16)


@dataclass(eq=False)
class Watch:
    """Who watches the run and when it is next framed."""

    slots: list[Slot] = field(default_factory=list)
    last_watched: float = field(default_factory=time.monotonic)
    next_frame: float = 0.0  # when the next frame is due (monotonic)
    dirty: bool = True  # changed since the last frame
    urgent: bool = True  # a command changed it: frame now, whatever the rate cap
    pending_rows: list = field(default_factory=list)  # drained history not yet framed
    function_seconds: float = 0.0  # recent cost of its function picture (EMA)


@dataclass(eq=False)
class Work:
    """Steps asked for over REST (or the websocket `step`) and the requests waiting for them."""

    train_remaining: int = 0
    waiters: list[Future] = field(default_factory=list)

    def answer(self, outcome: Any = None, error: BaseException | None = None) -> None:
        """Resolve every waiting request (with the run, or with an error) and forget them."""
        waiters, self.waiters = self.waiters, []
        for future in waiters:
            future.set_exception(error) if error is not None else future.set_result(outcome)


@dataclass(eq=False)
class Rate:
    """Steps per second, measured over windows of RATE_WINDOW seconds."""

    steps: int = 0
    since: float = field(default_factory=time.monotonic)
    per_second: float = 0.0

    def refresh(self, now: float) -> None:
        elapsed = now - self.since
        if elapsed >= RATE_WINDOW:
            self.per_second, self.steps, self.since = self.steps / elapsed, 0, now

    def clear(self) -> None:
        self.steps, self.per_second, self.since = 0, 0.0, time.monotonic()


@dataclass(eq=False)
class Pace:
    """A cap on a playing run's training rate: `rate` steps per second (None: as fast as it goes),
    the next step due at `due` (monotonic). Over any T seconds a paced run takes at most
    rate * (T + CATCH_UP) + 1 steps."""

    rate: float | None = None
    due: float = 0.0

    def set(self, rate: float | None, now: float, fresh: bool) -> None:
        """A play with this cap; `fresh`: the run was not already playing at a pace (its first
        step is due now), else a faster cap applies from now and a slower one after this step."""
        if rate is not None and self.rate is not None and not fresh:
            self.due = min(self.due, now + 1.0 / rate)
        elif rate is not None:
            self.due = now
        self.rate = rate

    def owed(self, now: float) -> int:
        """Steps due by `now` (0 while the next one is not due)."""
        if self.rate is None or now < self.due:
            return 0
        return 1 + int(min(now - self.due, CATCH_UP) * self.rate)

    def took(self, steps: int, now: float) -> None:
        self.due = max(self.due, now - CATCH_UP) + steps / self.rate


@dataclass(eq=False)
class RunRecord:
    """One run as the server sees it. `config` is the engine's; the wire config is derived from it
    (bridge.config_dict) and kept in `static`, the wire fields that only change with the config."""

    id: str
    config: RunConfig
    owner: str = ""  # the client address that created or imported it (its budgets)
    cost: float = 0.0  # parameters x points of one training step (limits.step_cost)
    static: dict = field(default_factory=dict)
    baseline: dict | None = None  # the least-squares line for 1-D regression
    data_json: bytes | None = None  # the data, serialised once per (re)build
    playing: bool = False
    error: str | None = None  # set when the server failed on this run
    status: RunStatus | None = None
    linear_regions: int | None = None
    regions_step: int = -1  # the step linear_regions was counted at
    last_activity: float = field(default_factory=time.monotonic)
    rate: Rate = field(default_factory=Rate)
    watch: Watch = field(default_factory=Watch)
    work: Work = field(default_factory=Work)
    pace: Pace = field(default_factory=Pace)
    trajectory: Trajectory = field(default_factory=Trajectory)  # thinned weights, for landscapes
    parent: tuple[str, int] | None = None  # a fork's origin: (run id, step)
    title: str | None = None  # the name its user gave it (PATCH title); None: unnamed
    unsaved: bool = True  # changed since its last save (server/saving.py)
    saved_at: float = 0.0  # monotonic
    saved_seen: float = 0.0  # its last activity when it was saved (monotonic)

    @property
    def key(self) -> GroupKey:
        return (self.config.model, self.config.training.optimizer)

    @property
    def diverged(self) -> bool:
        return self.status is not None and self.status.diverged

    @property
    def active(self) -> bool:
        """It has steps to take now: playing or a REST train pending, and able to train."""
        return bool(self.playing or self.work.train_remaining) and not (self.diverged
                                                                         or self.error)

    @property
    def paced(self) -> bool:
        """It plays at a cap now (REST train and websocket steps queued go at full speed)."""
        return (self.active and self.playing and self.pace.rate is not None
                and not self.work.train_remaining)

    def touch(self) -> None:
        """A command changed it: it counts as activity and its watchers see it at once."""
        self.last_activity = time.monotonic()
        self.watch.dirty = self.watch.urgent = self.unsaved = True
