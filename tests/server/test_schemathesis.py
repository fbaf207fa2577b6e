"""Property-based API tests: schemathesis generates requests from the app's own OpenAPI schema and
checks that no response is a 5xx or breaks the documented schema (bounded examples, live server).
"""

from __future__ import annotations

import itertools
import json
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from server.app import create_app
from server.settings import Settings
from tests.live_server import LiveServer, live_server

pytestmark = pytest.mark.slow
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance,
          content_type_conformance]


@pytest.fixture(scope="module")
def fuzzed_server() -> Iterator[LiveServer]:
    env = {"PLAYGROUND_MAX_RUNS": "24", "PLAYGROUND_MAX_HIDDEN_UNITS": "32",
           "PLAYGROUND_MAX_DEPTH": "3", "PLAYGROUND_MAX_POINTS": "300",
           "PLAYGROUND_MAX_STEPS_PER_CALL": "50", "PLAYGROUND_DEVICE": "cpu",
           "PLAYGROUND_LOG_LEVEL": "warning"}
    with live_server(env=env) as server:
        yield server


@pytest.fixture(scope="module")
def real_run(fuzzed_server: LiveServer):
    """A callable returning the id of a run that exists (recreated if a case deleted it)."""
    state = {"id": None}

    def current() -> str:
        if state["id"] is not None:
            try:
                urllib.request.urlopen(f"{fuzzed_server.url}/api/runs/{state['id']}", timeout=10)
                return state["id"]
            except urllib.error.HTTPError:
                pass
        request = urllib.request.Request(f"{fuzzed_server.url}/api/runs", data=b"{}",
                                         headers={"content-type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                state["id"] = json.loads(response.read())["id"]
        except urllib.error.HTTPError:  # max_runs reached by the fuzzer: use a random id
            state["id"] = "no-such-run"
        return state["id"]
    return current


# The schema comes from the app object (no server needed to collect); requests go to the live one.
schema = schemathesis.openapi.from_dict(create_app(Settings(device="cpu")).openapi())
TURN = itertools.count()


@schema.parametrize()
@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case, fuzzed_server: LiveServer, real_run) -> None:
    if case.path_parameters and "run_id" in case.path_parameters and next(TURN) % 2:
        case.path_parameters["run_id"] = real_run()  # half the cases hit a real run
    case.call_and_validate(base_url=fuzzed_server.url, checks=CHECKS)
