"""The runs of this server and the engine groups that train them, owned by the training thread.

Groups runs by architecture and optimizer (one batched RunGroup each) and moves a run between
groups when its config changes. Storage only: no limits, no views, no threads.
"""

from __future__ import annotations

import time
from dataclasses import replace

from models.datasets import Dataset, DatasetConfig
from models.engine import RunConfig, RunGroup, RunState, TrainingConfig
from server.errors import ApiError, not_found
from server.records import GroupKey, RunRecord

EVAL_EVERY = 10


class Registry:
    """Runs by id and RunGroups by (ModelConfig, optimizer)."""

    def __init__(self, device: str) -> None:
        self.device = device
        self.runs: dict[str, RunRecord] = {}
        self.groups: dict[GroupKey, RunGroup] = {}

    def owned_by(self, owner: str) -> list[RunRecord]:
        return [record for record in self.runs.values() if record.owner == owner]

    def get(self, run_id: str) -> RunRecord:
        """The run, and any request about it counts as activity (see run_ttl)."""
        record = self.runs.get(run_id)
        if record is None:
            raise not_found(run_id)
        record.last_activity = time.monotonic()
        return record

    def group(self, record: RunRecord) -> RunGroup:
        return self.groups[record.key]

    def dataset(self, record: RunRecord) -> Dataset:
        return self.group(record).dataset(record.id)

    def add(self, record: RunRecord, state: RunState | None = None) -> None:
        """Put a run into its group: fresh from the seeds, or from a checkpoint `state` (checked
        tensor by tensor by the engine before it goes in). ValueError -> 422, nothing added."""
        key = record.key
        group = self.groups.get(key) or RunGroup(key[0], key[1], device=self.device,
                                                 eval_every=EVAL_EVERY)
        try:
            if state is None:
                group.add(record.id, record.config)
            else:
                group.import_run(record.id, replace(state, config=record.config))
        except ValueError as error:
            raise ApiError(422, str(error), "config") from None
        self.groups[key] = group
        self.runs[record.id] = record
        group.drain_history([record.id])  # frames carry what comes after the snapshot

    def remove(self, record: RunRecord) -> RunState:
        """Take the run out (dropping an empty group); returns its state, to move it."""
        group = self.group(record)
        state = group.export_run(record.id)
        group.remove(record.id)
        if len(group) == 0:
            del self.groups[record.key]
        del self.runs[record.id]
        return state

    def rebuild(self, record: RunRecord, config: RunConfig) -> None:
        """A new dataset or model: back to step 0 from the seeds, possibly in another group; if
        the new config cannot be built the run stays as it was."""
        old = record.config
        self.remove(record)
        record.config = config
        try:
            self.add(record)
        except ApiError:
            record.config = old
            self.add(record)
            raise

    def set_training(self, record: RunRecord, training: TrainingConfig) -> None:
        """New optimiser settings, weights kept; a new optimiser moves the run to its group and
        starts a fresh optimiser state."""
        if training.optimizer == record.config.training.optimizer:
            self.group(record).set_training(record.id, training)
            record.config = replace(record.config, training=training)
            return
        state = self.remove(record)
        record.config = replace(record.config, training=training)
        self.add(record, state=state)

    def set_data(self, record: RunRecord, dataset: DatasetConfig) -> None:
        """New points for a custom dataset: weights, optimiser state and step kept."""
        try:
            self.group(record).set_data(record.id, dataset)
        except ValueError as error:
            raise ApiError(422, str(error), "dataset.points") from None
        record.config = replace(record.config, dataset=dataset)
