"""/docs served from this server (no CDN), under a CSP that admits only its own init script, and an
OpenAPI schema that advertises this server's limits, not the engine's."""

from __future__ import annotations

import base64
import hashlib
import re

from fastapi.testclient import TestClient

from server.app import create_app
from server.names import MAX_DEPTH, MAX_HIDDEN_UNITS, MAX_USER_POINTS
from tests.server.conftest import small_settings

ASSET = re.compile(r'(?:src|href)="([^"]+)"')
INLINE = re.compile(r"<script>(.*?)</script>", re.DOTALL)
TYPES = {".js": ("text/javascript", "application/javascript"), ".css": ("text/css",),
         ".svg": ("image/svg+xml",)}


def test_docs_reference_no_other_site(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200 and "SwaggerUIBundle" in page.text
    assert not re.search(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]", page.text), "an external URL"
    assets = ASSET.findall(page.text)
    assert len(assets) == 3  # the bundle, its stylesheet and the favicon
    for url in assets:
        assert url.startswith("/"), url
        response = client.get(url)
        assert response.status_code == 200, url
        kind = response.headers["content-type"].split(";")[0]
        assert kind in TYPES[url[url.rindex("."):]], (url, kind)
        assert response.headers["x-content-type-options"] == "nosniff"


def test_docs_csp_admits_exactly_its_init_script(client: TestClient) -> None:
    page = client.get("/docs")
    (script,) = INLINE.findall(page.text)  # independent of the server: hash what was served
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    policy = page.headers["content-security-policy"]
    scripts = dict(p.strip().split(" ", 1) for p in policy.split(";"))["script-src"].split()
    assert scripts == ["'self'", f"'sha256-{digest}'"]
    assert "frame-ancestors 'self'" in policy
    assert client.get("/").headers["content-security-policy"].count("sha256") == 0  # page only


def test_redoc_is_off(client: TestClient) -> None:
    assert client.get("/redoc").status_code == 404


def schema_limits(client: TestClient) -> dict[str, object]:
    components = client.get("/openapi.json").json()["components"]["schemas"]
    steps = components["TrainRequest"]["properties"]["steps"]
    limits: dict[str, object] = {"steps": steps["maximum"]}
    for spec in ("ModelSpec", "ModelPatch"):
        fields = components[spec]["properties"]
        # hidden_units: one number, or a list of one width per layer
        number, widths = sorted(fields["hidden_units"]["anyOf"],
                                key=lambda option: option["type"] != "integer")
        limits[f"{spec}.hidden_units"] = number["maximum"]
        limits[f"{spec}.hidden_units[]"] = widths["items"]["maximum"]
        limits[f"{spec}.hidden_units.length"] = widths["maxItems"]
        limits[f"{spec}.depth"] = fields["depth"]["maximum"]
    for spec in ("DatasetSpec", "DatasetPatch"):
        fields = components[spec]["properties"]
        limits[f"{spec}.n_points"] = fields["n_points"]["maximum"]
        (array,) = [option for option in fields["points"]["anyOf"] if option["type"] == "array"]
        limits[f"{spec}.points"] = array["maxItems"]
    return limits


def expected(settings) -> dict[str, object]:
    values: dict[str, object] = {"steps": settings.max_steps_per_call}
    for spec in ("ModelSpec", "ModelPatch"):
        values[f"{spec}.hidden_units"] = min(MAX_HIDDEN_UNITS, settings.max_hidden_units)
        values[f"{spec}.hidden_units[]"] = min(MAX_HIDDEN_UNITS, settings.max_hidden_units)
        values[f"{spec}.hidden_units.length"] = min(MAX_DEPTH, settings.max_depth)
        values[f"{spec}.depth"] = min(MAX_DEPTH, settings.max_depth)
    for spec in ("DatasetSpec", "DatasetPatch"):
        values[f"{spec}.n_points"] = settings.max_points
        values[f"{spec}.points"] = min(MAX_USER_POINTS, settings.max_points)
    return values


def test_the_schema_advertises_this_servers_limits() -> None:
    """Two servers with different settings in one process: each schema shows its own numbers."""
    first = small_settings(max_hidden_units=64, max_depth=4, max_points=400,
                           max_steps_per_call=500)
    second = small_settings(max_hidden_units=200, max_depth=2, max_points=1500,
                            max_steps_per_call=77)
    with TestClient(create_app(first)) as a, TestClient(create_app(second)) as b:
        assert schema_limits(a) == expected(first)
        assert schema_limits(b) == expected(second)
        assert schema_limits(b)["DatasetSpec.points"] == MAX_USER_POINTS  # the engine's is lower
        assert schema_limits(a) == expected(first)  # b's schema did not leak into a's


def test_a_schema_limit_is_what_the_server_enforces(client: TestClient) -> None:
    components = client.get("/openapi.json").json()["components"]["schemas"]
    (number, widths) = components["ModelSpec"]["properties"]["hidden_units"]["anyOf"]
    top = number["maximum"]
    at = client.post("/api/runs", json={"model": {"hidden_units": top}})
    over = client.post("/api/runs", json={"model": {"hidden_units": top + 1}})
    assert at.status_code == 201 and over.status_code == 422
    assert widths["items"]["maximum"] == top
    layers = {"hidden_units": [2, top], "depth": 2}
    assert client.post("/api/runs", json={"model": layers}).status_code == 201
    layers["hidden_units"] = [top + 1, 2]
    over = client.post("/api/runs", json={"model": layers})
    assert over.status_code == 422 and "per layer" in over.json()["detail"][0]["msg"]


def test_the_schema_is_made_once(client: TestClient) -> None:
    app = client.app
    assert app.openapi() is app.openapi()


def test_the_schema_lists_the_edge_answers(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    create_run = paths["/api/runs"]["post"]["responses"]
    assert {"403", "413", "415"} <= set(create_run)
    assert "403" in paths["/api/runs/{run_id}/play"]["post"]["responses"]
    assert "403" not in paths["/api/runs/{run_id}"]["get"]["responses"]
