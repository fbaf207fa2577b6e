"""RunStore: the runs table behind one writer thread. `save` and `delete` only queue (latest wins
per run), so the training thread never waits for the database; reads are for startup and tests.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from server.store.tables import runs

log = logging.getLogger(__name__)
RETRY_SECONDS = 2.0  # after a failed write (the database is down): the op waits and is retried
DELETE = object()


@dataclass(frozen=True)
class SavedRun:
    """One row of `runs`."""

    id: str
    owner: str
    title: str | None
    config: dict
    checkpoint: bytes
    step: int
    parent_id: str | None
    parent_step: int | None
    created_at: datetime
    saved_at: datetime
    touched_at: datetime


def _utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes: they were written in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class RunStore:
    """save(run_id, fields) queues fields() (called on the writer thread: it may serialise);
    delete(run_id) queues a delete; flush() waits for the queue; close() flushes and stops."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self._pending: OrderedDict[str, Any] = OrderedDict()
        self._busy = False
        self._closing = False
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="store-writer", daemon=True)
        self._thread.start()

    # ---- any thread ----
    def save(self, run_id: str, fields: Callable[[], dict]) -> None:
        self._queue(run_id, fields)

    def delete(self, run_id: str) -> None:
        self._queue(run_id, DELETE)

    def _queue(self, run_id: str, op: Any) -> None:
        with self._changed:
            self._pending[run_id] = op  # latest wins
            self._changed.notify_all()

    def flush(self, timeout: float = 30.0) -> bool:
        """Wait until every queued write is done; False if that took longer than `timeout`."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self._pending or self._busy:
                left = deadline - time.monotonic()
                if left <= 0 or not self._thread.is_alive():
                    return False
                self._changed.wait(left)
        return True

    def close(self, timeout: float = 10.0) -> None:
        if not self.flush(timeout):
            log.warning("%d run saves were not written before the stop", len(self._pending))
        with self._changed:
            self._closing = True
            self._changed.notify_all()
        self._thread.join(timeout)
        self.engine.dispose()

    def load(self, run_id: str) -> SavedRun | None:
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(runs).where(runs.c.id == run_id)).first()
        return None if row is None else _saved(row)

    def all(self) -> list[SavedRun]:
        """Every saved run, most recently touched first."""
        with self.engine.connect() as connection:
            rows = connection.execute(sa.select(runs).order_by(runs.c.touched_at.desc()))
            return [_saved(row) for row in rows]

    # ---- the writer thread ----
    def _run(self) -> None:
        while True:
            with self._changed:
                while not self._pending and not self._closing:
                    self._changed.wait()
                if not self._pending:
                    return
                run_id, op = self._pending.popitem(last=False)
                self._busy = True
            failed = False
            try:
                if callable(op):
                    op = op()  # the row's values (serialised here, off the training thread)
                self._write(run_id, op)
            except sa.exc.SQLAlchemyError:  # the database refused or is gone: keep the op unless
                log.exception("saving a run failed; retrying in %.0f s", RETRY_SECONDS)
                failed = True  # a newer one came
            except Exception:  # a bug in making the row: this save is dropped
                log.exception("a run's save could not be made")
            with self._changed:
                if failed and not self._closing:
                    self._pending.setdefault(run_id, op)
                self._busy = False
                self._changed.notify_all()
            if failed and not self._closing:
                time.sleep(RETRY_SECONDS)

    def _write(self, run_id: str, op: Any) -> None:
        """Write one op: DELETE, or the row's values."""
        if op is DELETE:
            with self.engine.begin() as connection:
                connection.execute(sa.delete(runs).where(runs.c.id == run_id))
            return
        values = dict(op)
        values.setdefault("saved_at", datetime.now(UTC))
        with self.engine.begin() as connection:  # one writer: update, else insert, is safe
            updated = connection.execute(
                sa.update(runs).where(runs.c.id == run_id).values(**values)).rowcount
            if not updated:
                values.setdefault("created_at", values["saved_at"])
                connection.execute(sa.insert(runs).values(id=run_id, **values))


def _saved(row: Any) -> SavedRun:
    values = dict(row._mapping)
    for name in ("created_at", "saved_at", "touched_at"):
        values[name] = _utc(values[name])
    values["checkpoint"] = bytes(values["checkpoint"])
    return SavedRun(**values)
