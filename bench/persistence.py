"""What keeping runs costs (server/saving.py, server/store/): the training thread's share of one
save (export_run: CPU copies of the run's rows), the writer thread's (serialise + write one row,
SQLite in a temp dir, or PostgreSQL when BENCH_DATABASE_URL is set), and a startup that brings
back 100 saved runs. Figures, not pass/fail.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from datetime import UTC, datetime

from models.engine import save_run
from server import bridge, schemas
from server.records import RunRecord
from server.registry import Registry
from server.saving import Saving
from server.settings import Settings
from server.store import RunStore, database_url, make_engine, migrate

NETS = {"1-8-1 (sine)": {"model": {"hidden_units": 8}},
        "2-64x4-1 (circle)": {"dataset": {"name": "circle"},
                              "model": {"hidden_units": 64, "depth": 4}},
        "2-256x8-1 (circle)": {"dataset": {"name": "circle"},
                               "model": {"hidden_units": 256, "depth": 8}}}
REPEATS = 30


def median_ms(work, repeats: int = REPEATS) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return 1000 * statistics.median(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = database_url(folder, os.environ.get("BENCH_DATABASE_URL", ""))
        engine = make_engine(url)
        started = time.perf_counter()
        migrate(engine)
        print(f"database {url.get_backend_name()}: migrate in "
              f"{1000 * (time.perf_counter() - started):.1f} ms")
        store = RunStore(engine)
        settings = Settings(device="cpu", max_hidden_units=256)
        registry = Registry("cpu")
        saving = Saving(settings, registry, store)
        print(f"{'net':20} {'params':>8} {'KB':>8} {'thread ms':>10} {'writer ms':>10}")
        for name, wire in NETS.items():
            config = bridge.engine_config(schemas.RunConfig.model_validate(wire))
            record = RunRecord(name, config)
            registry.add(record)
            registry.group(record).step(20)
            thread = median_ms(lambda r=record: saving.save(r, time.monotonic()))
            store.flush()
            state = registry.group(record).export_run(name)

            def write(state=state, name=name) -> None:
                store.save(name, lambda: {"owner": "", "config": {}, "step": 20,
                                          "checkpoint": save_run(state),
                                          "touched_at": datetime.now(UTC)})
                store.flush()
            writer = median_ms(write, 10)
            size = len(save_run(state)) / 1024
            print(f"{name:20} {state.parameters.numel():8,} {size:8.0f} {thread:10.3f} "
                  f"{writer:10.2f}")
            registry.remove(record)
            store.delete(name)
        for index in range(100):
            registry.add(RunRecord(f"run-{index}", bridge.engine_config(
                schemas.RunConfig.model_validate({"model": {"hidden_units": 8}}))))
        saving.due(time.monotonic(), every=True)
        store.flush()
        fresh = Registry("cpu")
        started = time.perf_counter()
        count = Saving(settings, fresh, store).restore(_Runs(fresh))
        print(f"startup: {count} saved runs back in {time.perf_counter() - started:.2f} s")
        store.close()


class _Runs:
    """RunService.restore's part that the startup needs (no frames)."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    def restore(self, record: RunRecord, state) -> None:
        self.registry.add(record, state)


if __name__ == "__main__":
    main()
