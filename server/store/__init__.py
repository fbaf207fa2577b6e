"""Where runs are kept between processes: one table, one writer thread (see DESIGN.md)."""

from server.store.database import database_url, make_engine, migrate
from server.store.runstore import RunStore, SavedRun

__all__ = ["RunStore", "SavedRun", "database_url", "make_engine", "migrate"]
