"""Fixtures for the server tests: an in-process app (TestClient) with small limits, and helpers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pydantic import TypeAdapter

from server.app import create_app
from server.schemas import Run, ServerMessage
from server.settings import Settings

SERVER_MESSAGE = TypeAdapter(ServerMessage)
OCTET_STREAM = {"content-type": "application/octet-stream"}  # the one body type import takes


def small_settings(**overrides) -> Settings:
    # TestClient sends `Host: testserver`: allowed like a deployment's own name, so the Host check
    # of a loopback-bound server (the default host) stays on in every test.
    values = dict(device="cpu", max_runs=8, max_hidden_units=64, max_depth=4, max_points=400,
                  max_steps_per_call=500, frame_rate=30.0, allowed_hosts=("testserver",))
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def settings() -> Settings:
    return small_settings()


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def create(client: TestClient, config: dict | None = None) -> dict:
    response = client.post("/api/runs", json=config or {})
    assert response.status_code == 201, response.text
    return Run.model_validate(response.json()).model_dump(mode="json")


def server_message(text: str | bytes):
    """Parse and validate one websocket message against the schema union."""
    return SERVER_MESSAGE.validate_json(text)
