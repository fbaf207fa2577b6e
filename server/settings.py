"""Deployment settings (env prefix PLAYGROUND_), injected with Depends(get_settings).

Only how this server is run and what it allows; never a run's experiment config (see schemas.py).
"""

from __future__ import annotations

from typing import Literal

from limits import parse as parse_rate
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from starlette.requests import HTTPConnection


class Settings(BaseSettings):
    """Every field can be set as PLAYGROUND_<NAME>, e.g. PLAYGROUND_MAX_RUNS=64."""

    model_config = SettingsConfigDict(env_prefix="PLAYGROUND_", frozen=True)

    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535)
    device: Literal["auto", "cpu", "cuda"] = "auto"
    max_runs: int = Field(256, ge=1, description="runs alive at once; beyond: 429")
    max_hidden_units: int = Field(256, ge=1, le=4096)
    max_depth: int = Field(8, ge=1, le=64)
    max_points: int = Field(2000, ge=2, le=5000, description="n_points and user points per run")
    max_steps_per_call: int = Field(10_000, ge=1, description="steps of one train/step request")
    max_step_cost: float = Field(2e8, gt=0, description="parameters x points of one training "
                                 "step; keeps one run from slowing a whole classroom")
    frame_rate: float = Field(30.0, gt=0, le=120, description="frames per second per run, at most")
    idle_timeout: float = Field(60.0, gt=0, description="s a watcher-less running run keeps going")
    run_ttl: float = Field(3600.0, gt=0, description="s of inactivity before a run is deleted")
    max_upload_bytes: int = Field(32 * 1024 * 1024, ge=1024, description="checkpoint import size")
    grid_resolution: int = Field(48, ge=8, le=200, description="2-D function grid per axis")
    slice_seconds: float = Field(0.008, gt=0, le=1, description="training time slice per group")
    unit_pictures: bool = Field(True, description="every unit's picture and the network in the "
                                "function (the diagram); off: units and network are null")
    exact_regions_2d: int = Field(120, ge=0, le=400, description="2-D: exact region polygons "
                                  "and decision boundary in the function up to this many grid "
                                  "regions (0: never)")
    thumbnail_resolution: int = Field(20, ge=6, le=48, description="grid points per axis of a "
                                      "2-D unit's thumbnail (lowered for wide or deep nets)")
    # Connections (timeouts, caps)
    header_timeout: float = Field(10.0, gt=0, description="s a connection may take to send its "
                                  "request headers; then it is closed")
    keep_alive_timeout: float = Field(5.0, gt=0, description="s an idle keep-alive connection "
                                      "stays open")
    max_connections: int = Field(2048, ge=1, description="connections and requests at once; "
                                 "beyond: 503 (1,000 watchers of one run fit)")
    send_timeout: float = Field(10.0, gt=0, description="s a client may leave our writes "
                                "unread; then its connection is aborted")
    shutdown_timeout: float = Field(3.0, gt=0, description="s a shutdown waits for requests "
                                    "and websockets in flight")
    log_level: str = "info"

    # Persistence (server/store/)
    data_dir: str = Field("data", description="folder of the SQLite database (a volume in "
                          "Docker); relative to the working directory")
    database_url: str = Field("", description="another database, e.g. postgresql://user@host:"
                              "5432/db (empty: SQLite in data_dir)")
    save_interval: float = Field(10.0, gt=0, description="s between saves of a training run "
                                 "(paused runs are saved at once)")

    # HTTP edge (origin, host, bodies, headers)
    max_body_bytes: int = Field(1024 * 1024, ge=1024, description="largest request body, except "
                                "a checkpoint import (max_upload_bytes); beyond: 413")
    allowed_origins: tuple[str, ...] = Field((), description="origins besides the server's own "
                                             "that may change runs and open streams")
    allowed_hosts: tuple[str, ...] = Field((), description="Host names accepted besides localhost; "
                                           "checked when bound to loopback or when set")
    frame_ancestors: str = Field("'self'", description="CSP frame-ancestors: who may embed a page")

    # Budgets and health (per client address, per run, the training loop)
    max_runs_per_client: int = Field(128, ge=1, description="runs one client address may hold "
                                     "(a classroom may share one address: be generous)")
    max_client_step_cost: float = Field(1e9, gt=0, description="parameters x points per step "
                                        "of all the runs one client address trains at once")
    rebuild_rate_limit: str = Field("5/second", description="rebuilds of one run (new data or "
                                    "architecture), as a `limits` rate such as 5/second")
    health_timeout: float = Field(15.0, gt=0, description="s without a completed training-loop "
                                  "pass before /api/health answers 503")

    @field_validator("rebuild_rate_limit")
    @classmethod
    def _a_rate(cls, value: str) -> str:
        parse_rate(value)  # ValueError for anything limits cannot read
        return value


def get_settings(request: HTTPConnection) -> Settings:
    """The app's settings; routes take them with Depends(get_settings)."""
    return request.app.state.settings
