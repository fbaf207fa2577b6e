"""API errors raised below the routes and turned into 4xx responses (or websocket `error` messages).

Never a 500 for bad input: anything a client can cause is an ApiError with the field named.
"""

from __future__ import annotations

import math

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response


class ApiError(Exception):
    """A client-caused problem: HTTP status, a message for people and the field (dotted) if any;
    `retry_after`: seconds after which the same request may succeed (a 429 of a rate cap)."""

    def __init__(self, status: int, message: str, field: str | None = None,
                 retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
        self.retry_after = retry_after

    def detail(self) -> str | list[dict]:
        """FastAPI's shapes: 422 -> [{"loc", "msg", "type"}], other 4xx -> "message"."""
        if self.status == 422:
            loc = ["body", *self.field.split(".")] if self.field else ["body"]
            return [{"loc": loc, "msg": self.message, "type": "value_error"}]
        return self.message


def not_found(run_id: str) -> ApiError:
    return ApiError(404, f"no run with id {run_id!r} (it may have expired)", "id")


async def validation_error_handler(request: Request, error: RequestValidationError) -> Response:
    """FastAPI's 422 shape without echoing the input (it may hold NaN, which JSON cannot carry)."""
    detail = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in error.errors()]
    return JSONResponse({"detail": detail}, status_code=422)


async def api_error_handler(request: Request, error: ApiError) -> JSONResponse:
    headers = None
    if error.retry_after is not None:  # HTTP wants whole seconds; round up so a retry is not early
        headers = {"Retry-After": str(max(0, math.ceil(error.retry_after)))}
    return JSONResponse({"detail": error.detail()}, status_code=error.status, headers=headers)
