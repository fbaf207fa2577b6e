"""The persistence suite runs on SQLite and on a real PostgreSQL server started here for the test
session: Debian's PostgreSQL, a throwaway cluster in a temp dir on a free port, run as the
`postgres` user when the tests run as root (PostgreSQL refuses root), stopped afterwards.

Without PostgreSQL the PostgreSQL cases are skipped with the reason; under CI=true they fail.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.live_server import free_port

BACKENDS = ("sqlite", "postgresql")


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def _as_postgres(argv: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


def _unavailable(reason: str) -> None:
    message = f"PostgreSQL could not be started for the persistence tests: {reason}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres() -> Iterator[str]:
    """The URL of a fresh PostgreSQL server (superuser `postgres`, trust auth on 127.0.0.1)."""
    bin_dir = _pg_bin()
    if bin_dir is None:
        _unavailable("no /usr/lib/postgresql/*/bin/initdb (apt-get install postgresql)")
    root = Path(tempfile.mkdtemp(prefix="playground-pg-"))
    data, sockets, log = root / "data", root / "sockets", root / "server.log"
    sockets.mkdir()
    if os.geteuid() == 0:
        for path in (root, sockets):
            shutil.chown(path, "postgres", "postgres")
    port = free_port()
    options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1"
    try:
        for argv in ([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres",
                      "--auth=trust", "-E", "UTF8"],
                     [str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(log),
                      "-w", "-t", "60", "start"]):
            done = subprocess.run(_as_postgres(argv), capture_output=True, text=True,
                                  timeout=120, cwd=root)
            if done.returncode:
                tail = log.read_text()[-2000:] if log.exists() else ""
                _unavailable(f"{Path(argv[0]).name} failed: {done.stderr[-2000:]} {tail}")
    except (OSError, subprocess.TimeoutExpired) as error:
        _unavailable(str(error))
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run(_as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast",
                                     "-w", "stop"]), capture_output=True, timeout=60)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    """PLAYGROUND_* settings for a server with an empty database of its own: SQLite in a temp
    data dir, or a new database on the session's PostgreSQL server."""
    env = {"PLAYGROUND_DATA_DIR": str(tmp_path / "data")}
    if request.param == "postgresql":
        import psycopg

        server = request.getfixturevalue("postgres")
        name = f"playground_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        env["PLAYGROUND_DATABASE_URL"] = f"{server}/{name}"
    return env
