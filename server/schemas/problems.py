"""Error bodies: FastAPI's shapes, a 422 with the field named, any other 4xx with a message."""

from __future__ import annotations

from pydantic import BaseModel


class Problem(BaseModel):
    """Any 4xx other than 422."""

    detail: str


class ValidationErrorItem(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ValidationProblem(BaseModel):
    """A 422: which field (loc) is wrong and why."""

    detail: list[ValidationErrorItem]
