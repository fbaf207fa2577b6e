"""JSON responses built with orjson (numpy arrays included, NaN -> null) and the documented errors.

Routes return these directly; response_model on the route documents the shape for /docs.
"""

from __future__ import annotations

from typing import Any

from fastapi import Response

from server.schemas import Problem, ValidationProblem
from server.slot import dumps

NOT_FOUND = {404: {"model": Problem, "description": "no such run (or it expired)"}}
LIMITS = {429: {"model": Problem, "description": "over a limit of this server or of this "
                                                "client (runs, training cost, rebuild rate)"}}
CONFLICT = {409: {"model": Problem, "description": "not possible in the run's state"}}
MALFORMED = {400: {"model": Problem, "description": "the body could not be decoded"}}
INVALID = {422: {"model": ValidationProblem, "description": "a field is wrong or over a limit"}}


class JSONBytes(Response):
    media_type = "application/json"


def json_response(value: Any, status_code: int = 200) -> Response:
    """`value` as JSON; bytes are taken as already-serialized JSON."""
    body = value if isinstance(value, bytes) else dumps(value)
    return JSONBytes(content=body, status_code=status_code)
