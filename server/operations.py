"""What the API can do to runs, executed on the training thread (the Scheduler mixes this in).

Each `op_*` takes validated wire objects and returns JSON-ready dicts or bytes; raises ApiError.
Never called from the event loop directly: routes go through `Scheduler.call`.
"""

from __future__ import annotations

import time
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from models.engine.checkpoint import load_run, save_run
from server import bridge, schemas
from server.errors import ApiError
from server.registry import RunEntry, new_run_id
from server.slot import Slot

if TYPE_CHECKING:
    from server.scheduler import Scheduler


class Operations:
    """REST and websocket commands, run between training slices. Each either succeeds completely
    or changes nothing (a half-made run is removed, a half-applied change undone)."""

    def op_create(self: Scheduler, config: schemas.RunConfig, owner: str = "") -> dict[str, Any]:
        bridge.check_config(config, self.settings)
        self.budgets.check_capacity(self.registry, owner)
        entry = RunEntry(new_run_id(), config, bridge.engine_config(config), owner=owner)
        self.registry.add(entry)
        return self._view_or_remove(entry)

    def _view_or_remove(self: Scheduler, entry: RunEntry) -> dict[str, Any]:
        try:
            return self.op_get(entry.id)
        except BaseException:
            self.registry.remove(entry)
            raise

    def op_get(self: Scheduler, run_id: str) -> dict[str, Any]:
        entry = self.registry.get(run_id)
        entry.last_activity = time.monotonic()
        if entry.error:
            return self._run_view(entry)
        group = self.registry.group(entry)
        entry.status = group.statuses([run_id])[run_id]
        stale = entry.linear_regions is None or entry.regions_step != entry.status.step
        if stale and not entry.diverged:
            entry.linear_regions = bridge.region_count(
                group.layers([run_id])[run_id], entry.engine.model.activation,
                self.registry.dataset(entry).info, self.settings.grid_resolution)
            entry.regions_step = entry.status.step
        return self._run_view(entry)

    def op_patch(self: Scheduler, run_id: str, patch: schemas.RunConfigPatch) -> dict[str, Any]:
        entry = self.registry.get(run_id)
        changes = patch.model_dump(exclude_unset=True)
        merged = entry.config.model_dump()
        for section, values in changes.items():
            if values is not None:
                merged[section].update(values)
        try:
            config = schemas.RunConfig.model_validate(merged)
        except ValidationError as error:
            first = error.errors()[0]
            raise ApiError(422, first["msg"], ".".join(str(p) for p in first["loc"])) from None
        bridge.check_config(config, self.settings)
        old = entry.config
        live = (config.dataset == old.dataset and config.model == old.model
                and config.training.seed == old.training.seed)
        if entry.active:
            self.budgets.check_training(self.registry, entry, bridge.step_cost(config))
        if not live:
            self.budgets.check_rebuild(run_id)
        self._apply_config(entry, config, live)
        try:
            view = self.op_get(run_id)
        except BaseException:
            self._apply_config(entry, old, live)  # back to what it was, then report
            raise
        entry.touch()
        return {"run": view, "applied": "live" if live else "rebuilt"}

    def _apply_config(self: Scheduler, entry: RunEntry, config: schemas.RunConfig,
                      live: bool) -> None:
        if live:
            if config.training != entry.config.training:
                self.registry.set_training(entry, config)
            return
        self.registry.rebuild(entry, config)
        entry.linear_regions = None
        self.resnapshot(entry)

    def op_delete(self: Scheduler, run_id: str) -> None:
        entry = self.registry.get(run_id)
        self.close_watchers(entry)
        for future in entry.train_waiters:
            future.set_exception(ApiError(404, "the run was deleted", "id"))
        entry.train_waiters = []
        self.registry.remove(entry)
        self.budgets.forget(run_id)

    def _check_trainable(self: Scheduler, entry: RunEntry) -> None:
        if entry.error:
            raise ApiError(409, f"the run failed: {entry.error}; reset it", "status")
        if entry.diverged:
            raise ApiError(409, "the run diverged (its loss is not finite); reset it or lower "
                                "the learning rate", "status")

    def op_play(self: Scheduler, run_id: str, rest: bool = True) -> dict[str, Any]:
        entry = self.registry.get(run_id)
        self._check_trainable(entry)
        if not entry.active:
            self.budgets.check_training(self.registry, entry)
        entry.playing = True
        entry.touch()
        return self._run_view(entry)

    def op_pause(self: Scheduler, run_id: str) -> dict[str, Any]:
        entry = self.registry.get(run_id)
        entry.playing = False
        entry.train_remaining = 0
        for future in entry.train_waiters:
            future.set_exception(ApiError(409, "the run was paused while training", "id"))
        entry.train_waiters = []
        entry.touch()
        return self.op_get(run_id)

    def op_reset(self: Scheduler, run_id: str) -> dict[str, Any]:
        entry = self.registry.get(run_id)
        for future in entry.train_waiters:
            future.set_exception(ApiError(409, "the run was reset while training", "id"))
        entry.train_waiters, entry.train_remaining = [], 0
        self.registry.group(entry).reset(run_id)
        entry.error = None  # a fresh start from the seeds: a failure does not carry over
        entry.pending_rows, entry.linear_regions = [], None
        entry.window_steps, entry.steps_per_second = 0, 0.0
        self.resnapshot(entry)
        entry.pending_rows = []
        entry.touch()
        return self.op_get(run_id)

    def op_train(self: Scheduler, run_id: str, steps: int, wait: bool = True) -> Future:
        """Queue `steps` more steps; the returned future resolves with the run when they are done
        (at once when `wait` is false: the websocket `step` just watches the frames)."""
        if steps > self.settings.max_steps_per_call:
            raise ApiError(422, f"steps = {steps} is over this server's limit max_steps_per_call "
                                f"= {self.settings.max_steps_per_call}", "steps")
        entry = self.registry.get(run_id)
        if entry.error:
            self._check_trainable(entry)
        future: Future = Future()
        if entry.diverged:
            future.set_result(self.op_get(run_id))
            return future
        if not entry.active:
            self.budgets.check_training(self.registry, entry)
        entry.train_remaining = min(entry.train_remaining + steps,
                                    self.settings.max_steps_per_call)
        if wait:
            entry.train_waiters.append(future)
        else:
            future.set_result(None)
        entry.touch()
        return future

    def op_history(self: Scheduler, run_id: str) -> dict[str, Any]:
        entry = self.registry.get(run_id)
        return bridge.history_view(self.registry.group(entry).history(run_id))

    def op_data(self: Scheduler, run_id: str) -> dict[str, Any]:
        entry = self.registry.get(run_id)
        return bridge.data_view(self.registry.dataset(entry))

    def op_function(self: Scheduler, run_id: str) -> bytes:
        entry = self.registry.get(run_id)
        if entry.error:
            raise ApiError(409, f"the run failed: {entry.error}; reset it", "status")
        layers = self.registry.group(entry).layers([run_id])[run_id]
        function = self._function_json(entry, layers)
        if function == b"null":
            raise ApiError(409, "the run diverged: its function is not finite", "status")
        return function

    def op_weights(self: Scheduler, run_id: str) -> dict[str, Any]:
        entry = self.registry.get(run_id)
        return bridge.weights_view(self.registry.group(entry).layers([run_id])[run_id])

    def op_checkpoint(self: Scheduler, run_id: str) -> tuple[bytes, str]:
        """The run's checkpoint and a file name that says what it holds."""
        entry = self.registry.get(run_id)
        state = self.registry.group(entry).export_run(run_id)
        name = f"nn-playground-{entry.config.dataset.name}-step{state.step}.safetensors"
        return save_run(state), name

    def op_import(self: Scheduler, data: bytes, owner: str = "") -> dict[str, Any]:
        try:  # untrusted bytes: load_run checks every tensor, anything else is the file's fault
            state = load_run(data)
            config = bridge.wire_config(state.config)
        except Exception as error:  # noqa: BLE001
            message = str(error)
            if not message.startswith("not a run checkpoint"):
                message = f"not a run checkpoint: {message}"
            raise ApiError(422, message) from None
        bridge.check_config(config, self.settings)
        self.budgets.check_capacity(self.registry, owner)
        entry = RunEntry(new_run_id(), config, bridge.engine_config(config), owner=owner)
        self.registry.add(entry, state=state)
        return self._view_or_remove(entry)

    def op_subscribe(self: Scheduler, run_id: str, slot: Slot) -> None:
        """Watch a run: its snapshot is built first, so a failure subscribes nobody."""
        entry = self.registry.get(run_id)
        if not entry.error:
            entry.pending_rows.append(bridge.history_rows(
                self.registry.group(entry).drain_history([run_id])[run_id]))
        message, last_step = self.snapshot(entry)
        entry.subscribers.append(slot)
        self._deliver(slot.offer_snapshot, message, last_step)
        entry.last_activity = time.monotonic()

    def op_unsubscribe(self: Scheduler, run_id: str, slot: Slot) -> None:
        entry = self.registry.runs.get(run_id)
        if entry is not None and slot in entry.subscribers:
            entry.subscribers.remove(slot)
            entry.last_watched = entry.last_activity = time.monotonic()
