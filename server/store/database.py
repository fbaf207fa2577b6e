"""Which database, its engine and its schema: SQLite under data_dir by default, any SQLAlchemy URL
by PLAYGROUND_DATABASE_URL (plain postgresql:// URLs get the psycopg 3 driver). Migrations are
Alembic's, run in code at startup (no alembic.ini)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import URL, make_url

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
SQLITE_FILE = "playground.db"


def database_url(data_dir: str, url: str = "") -> URL:
    """The URL to use: `url` (postgresql:// and postgres:// -> psycopg 3) or SQLite in data_dir
    (the folder is created)."""
    if not url:
        folder = Path(data_dir).expanduser().resolve()
        folder.mkdir(parents=True, exist_ok=True)
        return URL.create("sqlite", database=str(folder / SQLITE_FILE))
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _sqlite_pragmas(connection, _record) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers never wait for the one writer
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_engine(url: URL) -> sa.Engine:
    if url.get_backend_name() == "sqlite":
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return sa.create_engine(url, pool_pre_ping=True, pool_size=2, max_overflow=2)


def migrate(engine: sa.Engine) -> None:
    """Bring the schema to the newest revision (idempotent)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
