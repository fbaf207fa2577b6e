"""What the API can do to runs: plain synchronous methods, called on the training thread (routes
go through Training.call). Each takes validated wire objects and returns JSON-ready dicts or
bytes, or raises ApiError; each succeeds completely or changes nothing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from pydantic import ValidationError

from models.configs import change_kind
from models.engine import RunConfig, WeightsError, load_run, save_run
from server import bridge, limits, schemas, titles
from server.budgets import Budgets
from server.errors import ApiError
from server.frames import FrameBuilder
from server.records import RunRecord, new_run_id
from server.registry import Registry
from server.settings import Settings
from server.watching import Watching

log = logging.getLogger(__name__)


class RunService:
    """The runs' commands and reads, over the registry, the budgets and the run's watchers."""

    def __init__(self, settings: Settings, device: str, registry: Registry, budgets: Budgets,
                 frames: FrameBuilder, watching: Watching) -> None:
        self.settings, self.device = settings, device
        self.registry, self.budgets = registry, budgets
        self.frames, self.watching = frames, watching
        self.on_delete: Callable[[str], None] = lambda run_id: None  # the store forgets it

    # ---- making runs ----
    def create(self, config: schemas.RunConfig, owner: str = "") -> dict[str, Any]:
        engine = bridge.engine_config(config)
        limits.check(engine, self.settings)
        self.budgets.check_capacity(self.registry, owner)
        return self._add(RunRecord(new_run_id(), engine, owner=owner))

    def import_file(self, data: bytes, owner: str = "") -> dict[str, Any]:
        try:  # untrusted bytes: load_run checks every tensor, anything else is the file's fault
            state = load_run(data)
            engine = bridge.engine_config(bridge.wire_config(state.config))
        except Exception as error:  # noqa: BLE001
            message = str(error)
            if not message.startswith("not a run checkpoint"):
                message = f"not a run checkpoint: {message}"
            raise ApiError(422, message) from None
        limits.check(engine, self.settings)
        self.budgets.check_capacity(self.registry, owner)
        return self._add(RunRecord(new_run_id(), engine, owner=owner), state)

    def fork(self, run_id: str, owner: str = "") -> dict[str, Any]:
        """A new run from this one's state now (weights, optimizer state, step, history)."""
        source = self.registry.get(run_id)
        self._check_trainable(source, "forked")  # a failed run's state is not to be copied
        self.budgets.check_capacity(self.registry, owner)
        state = self.registry.group(source).export_run(run_id)
        return self._add(RunRecord(new_run_id(), source.config, owner=owner,
                                   title=titles.copied(source.title),
                                   parent=(run_id, state.step)), state)

    def restore(self, record: RunRecord, state: Any) -> None:
        """A saved run back after a restart (server/saving.py), paused at its saved step."""
        self._add(record, state)

    def _add(self, record: RunRecord, state: Any = None) -> dict[str, Any]:
        self.registry.add(record, state)
        self._configured(record)
        try:
            return self.get(record.id)
        except BaseException:
            self.registry.remove(record)  # a half-made run is no run
            raise

    def _configured(self, record: RunRecord) -> None:
        """What follows from a (new) config: cost, static wire fields, baseline, caches."""
        record.cost = limits.step_cost(record.config)
        record.static = bridge.run_static(record.id, record.config, self.device)
        record.baseline = bridge.baseline_view(self.registry.dataset(record))
        record.data_json, record.linear_regions = None, None

    # ---- reading ----
    def get(self, run_id: str) -> dict[str, Any]:
        record = self.registry.get(run_id)
        if record.error:
            return self.frames.run(record)
        group = self.registry.group(record)
        record.status = group.statuses([run_id])[run_id]
        stale = record.linear_regions is None or record.regions_step != record.status.step
        if stale and not record.diverged:
            record.linear_regions = self.frames.regions(record, group.layers([run_id])[run_id],
                                                        group)
            record.regions_step = record.status.step
        return self.frames.run(record)

    def history(self, run_id: str) -> dict[str, Any]:
        record = self.registry.get(run_id)
        return bridge.history_view(self.registry.group(record).history(run_id))

    def data(self, run_id: str) -> dict[str, Any]:
        return bridge.data_view(self.registry.dataset(self.registry.get(run_id)))

    def function(self, run_id: str) -> bytes:
        record = self.registry.get(run_id)
        self._check_trainable(record, "drawn")
        group = self.registry.group(record)
        record.status = group.statuses([run_id])[run_id]  # the step its dropout masks belong to
        function = self.frames.function(record, group.layers([run_id])[run_id], group)
        if function.json == b"null":
            raise ApiError(409, "the run diverged: its function is not finite", "status")
        self.watching.keep(record, function)
        return function.json

    def weights(self, run_id: str) -> dict[str, Any]:
        record = self.registry.get(run_id)
        return bridge.weights_view(self.registry.group(record).layers([run_id])[run_id])

    def checkpoint(self, run_id: str) -> tuple[bytes, str]:
        """The run's checkpoint and a file name that says what it holds."""
        record = self.registry.get(run_id)
        state = self.registry.group(record).export_run(run_id)
        name = f"nn-playground-{record.config.dataset.name}-step{state.step}.safetensors"
        return save_run(state), name

    # ---- changing ----
    def patch(self, run_id: str, patch: schemas.RunConfigPatch) -> dict[str, Any]:
        """Training settings apply live, new custom points keep the weights ("data"), anything
        else rebuilds from the seeds; limits, budgets and the rebuild rate are checked first."""
        record = self.registry.get(run_id)
        changes = patch.model_dump(exclude_unset=True)
        if titles.retitle(record, changes):  # a name alone changes nothing else
            return {"run": self.get(run_id), "applied": "none"}
        merged = bridge.config_dict(record.config)
        for section, values in changes.items():
            if values is not None:
                merged[section].update(values)
        try:
            config = bridge.engine_config(schemas.RunConfig.model_validate(merged))
        except ValidationError as error:
            first = error.errors()[0]
            raise ApiError(422, first["msg"], ".".join(str(p) for p in first["loc"])) from None
        limits.check(config, self.settings)
        old = record.config
        kind = change_kind(old, config)
        if record.active:
            self.budgets.check_training(self.registry, record, limits.step_cost(config))
        if kind == "rebuilt":
            self.budgets.check_rebuild(run_id)
        self._change(record, config, kind)
        try:
            view = self.get(run_id)
        except BaseException:
            self._change(record, old, kind)  # back to what it was, then report
            raise
        record.touch()
        return {"run": view, "applied": kind}

    def _change(self, record: RunRecord, config: RunConfig, kind: str) -> None:
        if kind == "rebuilt":
            self.registry.rebuild(record, config)
            record.error = None
            self._configured(record)
            self.watching.resnapshot(record)
            return
        if kind == "data":
            self.registry.set_data(record, config.dataset)
        if config.training != record.config.training:
            self.registry.set_training(record, config.training)
        record.config = config
        self._configured(record)
        if kind == "data":
            self.watching.resnapshot(record)  # new points to draw

    def delete(self, run_id: str) -> None:
        record = self.registry.get(run_id)
        self.watching.close(record)
        record.work.answer(error=ApiError(404, "the run was deleted", "id"))
        self.registry.remove(record)
        self.budgets.forget(run_id)
        self.on_delete(run_id)

    def _check_trainable(self, record: RunRecord, what: str = "trained") -> None:
        if record.error:
            raise ApiError(409, f"the run failed: {record.error}; reset it", "status")
        if record.diverged and what == "trained":
            raise ApiError(409, "the run diverged (its loss is not finite); reset it or lower "
                                "the learning rate", "status")

    def play(self, run_id: str, steps_per_second: float | None = None) -> dict[str, Any]:
        """Train continuously, at most `steps_per_second` (None: as fast as it goes); playing
        a playing run changes its cap."""
        record = self.registry.get(run_id)
        self._check_trainable(record)
        if not record.active:
            self.budgets.check_training(self.registry, record)
        record.pace.set(steps_per_second, time.monotonic(), fresh=not record.paced)
        record.playing = True
        record.touch()
        return self.frames.run(record)

    def set_weights(self, run_id: str, layers: list[schemas.LayerWeightsInput]) -> dict[str, Any]:
        """Weights by hand: step, history and batch order kept, optimizer state reset; a failed
        or diverged run may be given weights (its way out). Watchers are told, and their next
        frame (at once) shows the new function."""
        record = self.registry.get(run_id)
        if record.config.model.batch_norm:
            raise ApiError(409, "a network with batch norm cannot take weights by hand: the "
                                "weights shown have it folded in and cannot be unfolded",
                           "model.batch_norm")
        try:
            self.registry.group(record).set_weights(
                run_id, [(layer.weight, layer.bias) for layer in layers])
        except WeightsError as error:
            raise ApiError(422, str(error), error.field) from None
        record.error, record.linear_regions = None, None  # new weights: a way out of a failure
        record.touch()
        view = self.get(run_id)
        self.watching.tell(record, self.frames.weights_set(record.status.step))
        return {"run": view, "optimizer_reset": True}

    def pause(self, run_id: str) -> dict[str, Any]:
        record = self.registry.get(run_id)
        record.playing, record.work.train_remaining = False, 0
        record.work.answer(error=ApiError(409, "the run was paused while training", "id"))
        record.touch()
        return self.get(run_id)

    def reset(self, run_id: str) -> dict[str, Any]:
        record = self.registry.get(run_id)
        record.work.train_remaining = 0
        record.work.answer(error=ApiError(409, "the run was reset while training", "id"))
        self.registry.group(record).reset(run_id)
        record.error = None  # a fresh start from the seeds: a failure does not carry over
        record.linear_regions, record.watch.pending_rows = None, []
        record.rate.clear()
        self.watching.resnapshot(record)
        record.watch.pending_rows = []
        record.touch()
        return self.get(run_id)

    def train(self, run_id: str, steps: int, wait: bool = True) -> Future:
        """Queue `steps` more steps; the returned future resolves with the run when they are done
        (at once when `wait` is false: the websocket `step` just watches the frames)."""
        if steps > self.settings.max_steps_per_call:
            raise ApiError(422, f"steps = {steps} is over this server's limit max_steps_per_call "
                                f"= {self.settings.max_steps_per_call}", "steps")
        record = self.registry.get(run_id)
        future: Future = Future()
        if record.error:
            self._check_trainable(record)
        if record.diverged:
            future.set_result(self.get(run_id))
            return future
        if not record.active:
            self.budgets.check_training(self.registry, record)
        work = record.work
        work.train_remaining = min(work.train_remaining + steps, self.settings.max_steps_per_call)
        work.waiters.append(future) if wait else future.set_result(None)
        record.touch()
        return future

    def stepped(self, record: RunRecord, steps: int) -> None:
        """The thread took `steps` steps of this run: count them, finish a REST train."""
        record.rate.steps += steps
        record.watch.dirty = record.unsaved = True
        work = record.work
        if work.train_remaining:
            work.train_remaining = max(0, work.train_remaining - steps)
            if not work.train_remaining:
                self.watching.finish_training(record, lambda: self.get(record.id))

    def stop(self, record: RunRecord) -> None:
        """A diverged or failed run stops: queued steps are dropped, their waiters answered."""
        record.playing, record.work.train_remaining = False, 0
        self.watching.finish_training(record, lambda: self.get(record.id))

    def idle(self, record: RunRecord, now: float) -> None:
        """Lifecycle: pause a run nobody watches or asks about; delete a forgotten one."""
        if record.watch.slots:
            record.watch.last_watched = record.last_activity = now
            return
        record.rate.refresh(now)  # keep steps/s fresh for REST readers
        last_seen = max(record.watch.last_watched, record.last_activity)
        if record.playing and now - last_seen > self.settings.idle_timeout:
            log.info("a run had no watcher and no request for %.0f s: pausing it",
                     self.settings.idle_timeout)
            record.playing = False
        if (now - record.last_activity > self.settings.run_ttl
                and not record.work.train_remaining):
            log.info("a run was inactive for %.0f s: deleting it", self.settings.run_ttl)
            self.delete(record.id)

