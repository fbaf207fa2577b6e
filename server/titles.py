"""A run's name and the "My runs" lookup: PATCH `title`, and which of a browser's remembered runs
this server still has (POST /api/runs/lookup). Called on the training thread."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from server.errors import ApiError
from server.records import RunRecord
from server.schemas.config import MAX_TITLE


def retitle(record: RunRecord, changes: dict[str, Any]) -> bool:
    """Take a PATCH's `title` out of `changes` and give it to the run ("" or None: unnamed).
    True when the PATCH changes nothing else (its answer is then `applied: "none"`)."""
    if "title" not in changes:
        return False
    record.title = changes.pop("title") or None
    record.touch()
    return not any(values is not None for values in changes.values())


def copied(title: str | None) -> str | None:
    """A fork's title: "<title> (copy)" (within MAX_TITLE); an unnamed run's fork is unnamed."""
    return None if title is None else f"{title[:MAX_TITLE - 7]} (copy)"


def lookup(get: Callable[[str], dict[str, Any]], ids: list[str]) -> dict[str, Any]:
    """The Runs (`get`: RunService.get) this server has among `ids`, in that order, and the ids
    it does not know."""
    found, missing = [], []
    for run_id in ids:
        try:
            found.append(get(run_id))
        except ApiError as error:
            if error.status != 404:
                raise
            missing.append(run_id)
    return {"runs": found, "missing": missing}
