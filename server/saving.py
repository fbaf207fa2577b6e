"""When runs are saved, and the saved runs brought back at startup (DESIGN.md, Persistence).

On the training thread: `due` picks the runs to save and exports them (CPU copies, cheap); the
store's writer thread serialises and writes. `restore` runs once, before the first request.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from models.engine import load_run, save_run
from server import bridge, limits
from server.records import RunRecord
from server.registry import Registry
from server.settings import Settings
from server.store import RunStore

if TYPE_CHECKING:
    from server.service import RunService

log = logging.getLogger(__name__)


class Saving:
    """Saves changed runs: at once when they do not train, every save_interval while they do."""

    def __init__(self, settings: Settings, registry: Registry, store: RunStore | None) -> None:
        self.settings, self.registry, self.store = settings, registry, store

    def due(self, now: float, every: bool = False) -> None:
        """Save each changed run that is due (`every`: each changed run, at a stop)."""
        if self.store is None:
            return
        for record in list(self.registry.runs.values()):
            if record.unsaved and (every or not record.active
                                   or now - record.saved_at >= self.settings.save_interval):
                self.save(record, now)
            elif _seen(record) - record.saved_seen > self.settings.run_ttl / 10:
                self.save(record, now)  # only watched or read: its touched_at, for retention

    def save(self, record: RunRecord, now: float) -> None:
        record.unsaved, record.saved_at, record.saved_seen = False, now, _seen(record)
        try:
            state = self.registry.group(record).export_run(record.id)
        except Exception:  # noqa: BLE001 - a broken run is not saved; the others are
            log.exception("a run could not be exported for saving")
            return
        ago = max(0.0, now - record.saved_seen)
        parent_id, parent_step = record.parent or (None, None)
        values = {"owner": record.owner, "title": record.title,
                  "config": bridge.config_dict(record.config),
                  "step": state.step, "touched_at": datetime.now(UTC) - timedelta(seconds=ago),
                  "parent_id": parent_id, "parent_step": parent_step}
        self.store.save(record.id, lambda: {**values, "checkpoint": save_run(state)})

    def forget(self, run_id: str) -> None:
        if self.store is not None:
            self.store.delete(run_id)

    def restore(self, runs: RunService) -> int:
        """Bring every saved run back, paused at its saved step (most recently touched first, up
        to max_runs); delete those untouched for longer than run_ttl. Returns how many came."""
        if self.store is None:
            return 0
        now, wall, restored = time.monotonic(), datetime.now(UTC), 0
        for saved in self.store.all():
            age = (wall - saved.touched_at).total_seconds()
            if age > self.settings.run_ttl:
                self.store.delete(saved.id)
                continue
            if len(self.registry.runs) >= self.settings.max_runs:
                log.warning("more saved runs than max_runs = %d: the rest stay saved",
                            self.settings.max_runs)
                break
            try:
                state = load_run(saved.checkpoint)
                engine = bridge.engine_config(bridge.wire_config(state.config))
                limits.check(engine, self.settings)
                parent = (saved.parent_id, saved.parent_step) if saved.parent_id else None
                record = RunRecord(saved.id, engine, owner=saved.owner, parent=parent,
                                   title=saved.title)
                runs.restore(record, state)
                record.last_activity = record.watch.last_watched = now - max(0.0, age)
            except Exception as error:  # noqa: BLE001 - one bad row does not stop the others
                log.warning("a saved run was not restored (%s: %s); it stays in the database",
                            type(error).__name__, error)
                continue
            record.unsaved, record.saved_at, record.saved_seen = False, now, _seen(record)
            restored += 1
        log.info("restored %d saved runs", restored)
        return restored


def _seen(record: RunRecord) -> float:
    """When the run was last asked about, changed or watched (monotonic)."""
    return max(record.last_activity, record.watch.last_watched)
