"""Start a real nn-playground server as a subprocess on a free 127.0.0.1 port (tests, benches).

Used by the live-server, browser and deployment tests; it never imports the app, only runs it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveServer:
    process: subprocess.Popen
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def wait_healthy(url: str, process: subprocess.Popen, timeout: float = 60.0) -> None:
    """Poll /api/health until it answers 200; fail early if the process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited ({process.returncode}) before it was healthy")
        try:
            with urllib.request.urlopen(f"{url}/api/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"server at {url} not healthy after {timeout} s")


@contextlib.contextmanager
def live_server(
    env: dict[str, str] | None = None,
    command: Sequence[str] | None = None,
    log_dir: Path | None = None,
) -> Iterator[LiveServer]:
    """Run the server (default: `python -m server`) with PLAYGROUND_* settings from `env`; without
    PLAYGROUND_DATA_DIR in `env` it keeps its runs in a fresh temp dir.

    The port is chosen here and passed as PLAYGROUND_PORT, the host is forced to 127.0.0.1.
    The process is stopped by PID (SIGTERM, then SIGKILL) when the block ends.
    """
    port = free_port()
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    own_data = "PLAYGROUND_DATA_DIR" not in (env or {})
    if own_data:  # a server of its own sees no other's runs
        full_env["PLAYGROUND_DATA_DIR"] = tempfile.mkdtemp(prefix="playground-data-")
    full_env.update(PLAYGROUND_HOST="127.0.0.1", PLAYGROUND_PORT=str(port))
    full_env["PATH"] = f"{VENV_BIN}{os.pathsep}{full_env.get('PATH', '')}"
    argv = list(command) if command else [sys.executable, "-m", "server"]
    log_dir = log_dir or ROOT / "test-output" / "server-logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"server-{port}.log"
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen(
            argv, cwd=ROOT, env=full_env, stdout=log_file, stderr=subprocess.STDOUT
        )
    server = LiveServer(process=process, port=port, log_path=log_path)
    try:
        wait_healthy(server.url, process)
        yield server
    finally:
        stop(process)
        if own_data:
            shutil.rmtree(full_env["PLAYGROUND_DATA_DIR"], ignore_errors=True)


def stop(process: subprocess.Popen, timeout: float = 10.0) -> None:
    """Stop a server process by PID: SIGTERM, wait, then SIGKILL."""
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
