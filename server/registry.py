"""The runs of this server and the engine groups that train them, owned by the training thread.

Groups runs by architecture and optimizer (one batched RunGroup each) and moves a run between groups
when its config changes. Not thread-safe: only the scheduler thread may touch it.
"""

from __future__ import annotations

import secrets
import time
from concurrent.futures import Future
from dataclasses import dataclass, field, replace

from models.datasets import Dataset
from models.engine import RunConfig, RunGroup, RunStatus
from models.network import ModelConfig
from server import bridge, schemas
from server.errors import ApiError, not_found
from server.slot import Slot

GroupKey = tuple[ModelConfig, str]
EVAL_EVERY = 10


def new_run_id() -> str:
    """At least 128 random bits, URL-safe."""
    return secrets.token_urlsafe(16)


@dataclass(eq=False)
class RunEntry:
    """One run's server-side state (the engine holds its tensors)."""

    id: str
    config: schemas.RunConfig
    engine: RunConfig
    owner: str = ""  # the client address that created it (its budgets, see operations.py)
    cost: float = 0.0  # parameters x points of one training step (bridge.step_cost)
    playing: bool = False
    error: str | None = None  # set when the server failed on this run (Scheduler.fail)
    status: RunStatus | None = None
    linear_regions: int | None = None
    regions_step: int = -1  # the step linear_regions was counted at
    baseline: dict | None = None
    data_json: bytes | None = None  # cached, the data only changes on rebuild
    static: dict | None = None  # cached bridge.run_static
    subscribers: list[Slot] = field(default_factory=list)
    pending_rows: list = field(default_factory=list)  # drained history not yet framed
    last_activity: float = field(default_factory=time.monotonic)
    last_watched: float = field(default_factory=time.monotonic)
    next_frame: float = 0.0  # when the next frame is due (monotonic)
    function_seconds: float = 0.0  # recent cost of computing its function (EMA)
    dirty: bool = True  # changed since the last frame
    urgent: bool = True  # a command changed it: frame now, whatever the rate cap
    train_remaining: int = 0
    train_waiters: list[Future] = field(default_factory=list)
    window_steps: int = 0
    window_start: float = field(default_factory=time.monotonic)
    steps_per_second: float = 0.0

    @property
    def key(self) -> GroupKey:
        return (self.engine.model, self.engine.training.optimizer)

    @property
    def diverged(self) -> bool:
        return self.status is not None and self.status.diverged

    @property
    def active(self) -> bool:
        """It has steps to take now: playing or a REST train pending, and able to train."""
        return bool(self.playing or self.train_remaining) and not (self.diverged or self.error)

    def touch(self) -> None:
        self.last_activity = time.monotonic()
        self.dirty = self.urgent = True


class Registry:
    """Runs by id and RunGroups by (ModelConfig, optimizer)."""

    def __init__(self, device: str) -> None:
        self.device = device
        self.runs: dict[str, RunEntry] = {}
        self.groups: dict[GroupKey, RunGroup] = {}

    def owned_by(self, owner: str) -> list[RunEntry]:
        return [entry for entry in self.runs.values() if entry.owner == owner]

    def get(self, run_id: str) -> RunEntry:
        """The run, and any request about it counts as activity (see run_ttl)."""
        entry = self.runs.get(run_id)
        if entry is None:
            raise not_found(run_id)
        entry.last_activity = time.monotonic()
        return entry

    def group(self, entry: RunEntry) -> RunGroup:
        return self.groups[entry.key]

    def dataset(self, entry: RunEntry) -> Dataset:
        return self.group(entry).dataset(entry.id)

    def add(self, entry: RunEntry, state: object | None = None) -> None:
        """Put a run into its group: fresh from the seeds, or from a checkpoint `state`."""
        key = entry.key
        group = self.groups.get(key)
        if group is None:
            group = RunGroup(key[0], key[1], device=self.device, eval_every=EVAL_EVERY)
        try:
            if state is None:
                group.add(entry.id, entry.engine)
            else:
                group.import_run(entry.id, state)  # checks every tensor before it goes in
        except ValueError as error:
            raise ApiError(422, str(error), "config") from None
        self.groups[key] = group
        self.runs[entry.id] = entry
        entry.status = group.statuses([entry.id])[entry.id]
        entry.baseline = bridge.baseline_view(group.dataset(entry.id))
        entry.data_json = entry.static = entry.error = None
        entry.cost = bridge.step_cost(entry.config)
        entry.pending_rows = []
        group.drain_history([entry.id])  # frames carry what comes after the snapshot

    def detach(self, entry: RunEntry) -> object:
        """Take a run out of its group (dropping an empty group); returns its exported state."""
        group = self.group(entry)
        state = group.export_run(entry.id)
        group.remove(entry.id)
        if len(group) == 0:
            del self.groups[entry.key]
        return state

    def remove(self, entry: RunEntry) -> None:
        group = self.group(entry)
        group.remove(entry.id)
        if len(group) == 0:
            del self.groups[entry.key]
        del self.runs[entry.id]

    def rebuild(self, entry: RunEntry, config: schemas.RunConfig) -> None:
        """A new dataset or model: back to step 0 from the seeds, possibly in another group."""
        engine = bridge.engine_config(config)
        old_config, old_engine = entry.config, entry.engine
        self.remove(entry)
        entry.config, entry.engine = config, engine
        try:
            self.add(entry)
        except ApiError:
            entry.config, entry.engine = old_config, old_engine
            self.add(entry)
            raise

    def set_training(self, entry: RunEntry, config: schemas.RunConfig) -> None:
        """New optimizer hyperparameters, weights kept (a new optimizer moves groups)."""
        engine = bridge.engine_config(config)
        if engine.training.optimizer == entry.engine.training.optimizer:
            self.group(entry).set_training(entry.id, engine.training)
            entry.config, entry.engine, entry.static = config, engine, None
            entry.cost = bridge.step_cost(config)
            return
        state = self.detach(entry)  # the engine starts a fresh state for the new optimizer
        del self.runs[entry.id]
        entry.config, entry.engine = config, engine
        self.add(entry, state=replace(state, config=engine))
