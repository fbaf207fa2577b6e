"""The API's documentation: /docs with Swagger UI served from this server (no CDN, works offline),
and /openapi.json advertising this server's limits rather than the engine's.

Post-processes FastAPI's generated schema; never rebuilds the pydantic models (schemas.py).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from server.edge import content_security_policy
from server.names import MAX_USER_POINTS
from server.schemas import DatasetPatch, DatasetSpec, ModelPatch, ModelSpec, TrainRequest
from server.settings import Settings

# Swagger UI 5 (OpenAPI 3.1, which FastAPI writes) as shipped by the fastapi-offline wheel; the
# swagger-ui-bundle wheel still ships Swagger UI 4, which cannot read 3.1.
SWAGGER_FILES = Path(fastapi_offline.__file__).resolve().parent / "static"
SWAGGER_URL = "/static/docs"
INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)
PROBLEM = {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
EDGE_RESPONSES = {  # answered by server/edge.py before any route runs
    "403": {"description": "cross-origin request (Origin not allowed)", "content": PROBLEM},
    "413": {"description": "body over max_body_bytes", "content": PROBLEM},
    "415": {"description": "body of another Content-Type than documented",
            "content": PROBLEM},
}


def swagger_page(openapi_url: str, title: str, frame_ancestors: str) -> HTMLResponse:
    """FastAPI's Swagger UI page with local assets, and a CSP that admits exactly its one inline
    init script by hash (the page's own policy admits no inline script at all)."""
    page = get_swagger_ui_html(
        openapi_url=openapi_url, title=title, oauth2_redirect_url=None,
        swagger_js_url=f"{SWAGGER_URL}/swagger-ui-bundle.js",
        swagger_css_url=f"{SWAGGER_URL}/swagger-ui.css", swagger_favicon_url="/favicon.svg",
        swagger_ui_parameters={"validatorUrl": None})  # no badge fetched from swagger.io
    digests = [base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
               for script in INLINE_SCRIPT.findall(page.body.decode())]
    policy = content_security_policy(frame_ancestors, [f"sha256-{d}" for d in digests])
    return HTMLResponse(page.body, headers={"Content-Security-Policy": policy})


def install_docs(app: FastAPI, settings: Settings) -> None:
    """/docs, its assets under /static/docs, and a schema with this server's limits (cached).
    The app must be made with docs_url=None and redoc_url=None."""
    page = swagger_page(app.openapi_url, f"{app.title} - Swagger UI", settings.frame_ancestors)
    app.mount(SWAGGER_URL, StaticFiles(directory=SWAGGER_FILES), name="swagger-ui")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return page

    app.openapi = limited_openapi(app.openapi, settings)


def limited_openapi(generate: Callable[[], dict[str, Any]],
                    settings: Settings) -> Callable[[], dict[str, Any]]:
    """Wrap FastAPI's own (cached) generator: its schema, edited once in place."""
    edited: list[dict[str, Any]] = []

    def openapi() -> dict[str, Any]:
        schema = generate()  # FastAPI's copy, regenerated only when the routes change
        if not edited or edited[0] is not schema:
            advertise_limits(schema, settings)
            document_edge(schema)
            edited[:] = [schema]
        return schema

    return openapi


def advertise_limits(schema: dict[str, Any], settings: Settings) -> None:
    """Lower the engine's bounds in `schema` to this server's settings (never raise them)."""
    components = schema["components"]["schemas"]
    user_points = min(MAX_USER_POINTS, settings.max_points)
    bounds = [
        ((ModelSpec, ModelPatch), "hidden_units", "maximum", settings.max_hidden_units),
        ((ModelSpec, ModelPatch), "hidden_units", "maxItems", settings.max_depth),  # per layer
        ((ModelSpec, ModelPatch), "depth", "maximum", settings.max_depth),
        ((DatasetSpec, DatasetPatch), "n_points", "maximum", settings.max_points),
        ((DatasetSpec, DatasetPatch), "points", "maxItems", user_points),
        ((TrainRequest,), "steps", "maximum", settings.max_steps_per_call),
    ]
    for models, field, keyword, limit in bounds:
        for model in models:
            for target in _bounded(components[model.__name__]["properties"][field], keyword):
                target[keyword] = min(target.get(keyword, limit), limit)


def _bounded(field: dict[str, Any], keyword: str) -> Iterator[dict[str, Any]]:
    """The field's (sub)schemas the keyword applies to: integers for maximum (a list's items
    too), arrays for maxItems (a nullable field is an anyOf with null)."""
    kind = "array" if keyword == "maxItems" else "integer"
    for option in [field, *field.get("anyOf", [])]:
        if option.get("type") == kind:
            yield option
        elif kind == "integer" and option.get("items", {}).get("type") == kind:
            yield option["items"]


def document_edge(schema: dict[str, Any]) -> None:
    """List the edge's own answers (403, 413, 415) on the operations that can get them."""
    for operations in schema["paths"].values():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            if method in ("post", "put", "patch", "delete"):
                responses.setdefault("403", EDGE_RESPONSES["403"])
            if "requestBody" in operation:
                responses.setdefault("413", EDGE_RESPONSES["413"])
                responses.setdefault("415", EDGE_RESPONSES["415"])
