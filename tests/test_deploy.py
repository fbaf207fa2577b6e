"""Deployment checks that need no Docker engine: lint the Dockerfile, run its own command locally.

No engine exists on these machines, so the image is never built here; these tests catch a broken
command, entry point, health check target or a Makefile/Dockerfile drift.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import urllib.request
from pathlib import Path

import yaml

from server.settings import Settings
from tests.live_server import ROOT, VENV_BIN, live_server

DOCKERFILE = ROOT / "Dockerfile"


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    pairs = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            pairs.append((keyword.upper(), rest.strip()))
    return pairs


def dockerfile_cmd() -> list[str]:
    cmds = [rest for keyword, rest in dockerfile_instructions() if keyword == "CMD"]
    assert len(cmds) == 1, "the Dockerfile needs exactly one CMD"
    return json.loads(cmds[0])


def dockerfile_env() -> dict[str, str]:
    env = {}
    for keyword, rest in dockerfile_instructions():
        if keyword == "ENV":
            for item in shlex.split(rest):
                key, _, value = item.partition("=")
                env[key] = value
    return env


def make_run_command() -> list[str]:
    """The command of the Makefile's `run` recipe with the venv prefix removed."""
    lines = (ROOT / "Makefile").read_text().splitlines()
    start = lines.index(next(line for line in lines if line.startswith("run:")))
    recipe = []
    for line in lines[start + 1 :]:
        if not line.startswith("\t"):
            break
        recipe.append(line.strip())
    command = recipe[-1].replace("$(BIN)/", "")
    return shlex.split(command)


def test_hadolint_passes() -> None:
    hadolint = VENV_BIN / "hadolint"
    result = subprocess.run(
        [str(hadolint), "--failure-threshold", "info", str(DOCKERFILE)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_basics() -> None:
    instructions = dockerfile_instructions()
    keywords = [keyword for keyword, _ in instructions]
    base = dict(instructions)["FROM"]
    assert base.startswith("python:3.11-slim")
    user = dict(instructions)["USER"].split(":")[0]
    assert user.isdigit() and int(user) > 0, "must run as a non-root numeric user"
    assert "HEALTHCHECK" in keywords and "/api/health" in dict(instructions)["HEALTHCHECK"]
    assert "EXPOSE" in keywords
    assert any("constraints.txt" in rest for keyword, rest in instructions if keyword == "RUN")
    assert dockerfile_env()["PLAYGROUND_HOST"] == "0.0.0.0"


def test_container_command_is_make_run() -> None:
    assert dockerfile_cmd() == make_run_command()


def test_every_docker_setting_is_a_real_setting() -> None:
    fields = {f"PLAYGROUND_{name.upper()}" for name in Settings.model_fields}
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    used = set(k for k in dockerfile_env() if k.startswith("PLAYGROUND_"))
    for service in compose["services"].values():
        if "build" in service:  # ours; the postgres service's variables are its image's
            used |= set(service.get("environment", {}))
    assert used and used <= fields, used - fields


def test_readme_documents_every_setting() -> None:
    readme = (ROOT / "README.md").read_text()
    missing = [
        f"PLAYGROUND_{name.upper()}"
        for name in Settings.model_fields
        if f"PLAYGROUND_{name.upper()}" not in readme
    ]
    assert not missing, f"README lacks {missing}"


def test_dockerfile_command_serves_health(tmp_path: Path) -> None:
    command = dockerfile_cmd()
    executable = VENV_BIN / command[0]
    assert executable.exists(), f"{command[0]} is not installed in {VENV_BIN}"
    env = {k: v for k, v in dockerfile_env().items() if k.startswith("PLAYGROUND_")}
    with live_server(env=env, command=[str(executable), *command[1:]], log_dir=tmp_path) as server:
        with urllib.request.urlopen(f"{server.url}/api/health", timeout=5) as response:
            health = json.loads(response.read())
        assert response.status == 200
        assert health["status"] == "ok"
        assert health["device"] in ("cpu", "cuda") or health["device"].startswith("cuda")
    assert server.process.returncode is not None, "the server must stop when asked"


def test_python_module_entry_point_matches() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "server", "--help"], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    for option in ("--host", "--port", "--device"):
        assert option in result.stdout
