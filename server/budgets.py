"""What one client may take of this server: runs held, training cost at once, rebuilds per run.

A classroom may share one address (NAT), so the defaults are generous; what they stop is one
client taking the whole machine. Only checks: raises ApiError(429), never changes a run.
"""

from __future__ import annotations

import time

from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from server.errors import ApiError
from server.records import RunRecord
from server.registry import Registry
from server.settings import Settings


class Budgets:
    """The per-client and per-run limits of `settings`, checked against the registry."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._rebuild_rate = parse(settings.rebuild_rate_limit)
        self._rebuilds = MovingWindowRateLimiter(MemoryStorage())

    def check_capacity(self, registry: Registry, owner: str) -> None:
        """Room for one more run: on the server (max_runs) and for this address."""
        limit = self.settings.max_runs
        if len(registry.runs) >= limit:
            raise ApiError(429, f"this server already holds max_runs = {limit} runs; "
                                "delete one or try again later")
        mine = self.settings.max_runs_per_client
        if len(registry.owned_by(owner)) >= mine:
            raise ApiError(429, f"this address already holds max_runs_per_client = {mine} runs; "
                                "delete one first")

    def check_training(self, registry: Registry, entry: RunRecord, cost: float | None = None
                       ) -> None:
        """`entry` may train (at `cost`, default its own) beside its owner's other active runs."""
        cost = entry.cost if cost is None else cost
        others = sum(e.cost for e in registry.owned_by(entry.owner) if e.active and e is not entry)
        limit = self.settings.max_client_step_cost
        if others + cost > limit:
            raise ApiError(429, f"the runs this address trains at once would cost "
                                f"{others + cost:.3g} (parameters x points per step), over "
                                f"max_client_step_cost = {limit:.3g}; pause one of them first",
                           "status")

    def check_rebuild(self, run_id: str) -> None:
        """Count one rebuild of `run_id`; 429 with `retry_after` when it rebuilds too often."""
        if self._rebuilds.hit(self._rebuild_rate, "rebuild", run_id):
            return
        reset = self._rebuilds.get_window_stats(self._rebuild_rate, "rebuild", run_id).reset_time
        wait = max(0.05, reset - time.time())
        raise ApiError(429, f"this run was rebuilt too often (rebuild_rate_limit = "
                            f"{self.settings.rebuild_rate_limit}); try again in {wait:.2f} s",
                       "config", retry_after=wait)

    def forget(self, run_id: str) -> None:
        self._rebuilds.clear(self._rebuild_rate, "rebuild", run_id)
