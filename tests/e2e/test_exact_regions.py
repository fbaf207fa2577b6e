"""The exact 2-D regions and boundary in the page, before the server sends them: frames on their
way to the page get `polygons` and `boundary` in the documented format (DESIGN.md, frontend notes),
and the page must draw exactly those outlines over the probability heatmap and those segments
instead of the 0.5 contour. The injected shapes are the reference; the rest of each frame is the
server's own.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.e2e.pagetools import api, open_playground, run_id, trace, wait_paused_at

pytestmark = pytest.mark.e2e

CIRCLE = "#dataset=circle&n_points=100&hidden_units=4&depth=1&activation=relu&seed=0"
POLYGONS = [{"vertices": [[-1.5, -1.5], [0.0, -1.5], [0.0, 1.5], [-1.5, 1.5]], "pattern": [0, 1]},
            {"vertices": [[0.0, -1.5], [1.5, -1.5], [1.5, 1.5], [0.0, 1.5]], "pattern": [1, 1]}]
SEGMENTS = [[[-1.0, -0.5], [0.0, 0.5]], [[0.0, 0.5], [1.0, -0.5]]]


def with_exact_regions(text: str) -> str:
    message = json.loads(text)
    fn = message.get("function")
    if message.get("type") in ("snapshot", "frame") and fn and fn.get("kind") == "2d":
        fn["polygons"] = POLYGONS
        fn["boundary"] = {"segments": SEGMENTS}
    return json.dumps(message)


def test_polygons_outline_the_regions_and_the_boundary_is_its_segments(page, server):
    def route(socket):
        upstream = socket.connect_to_server()
        upstream.on_message(lambda text: socket.send(with_exact_regions(text)))
        socket.on_message(lambda text: upstream.send(text))

    page.route_web_socket("**/api/runs/*/stream", route)
    open_playground(page, server.url, CIRCLE)
    page.click("#step")
    wait_paused_at(page, 10)

    types = page.evaluate("document.getElementById('plot-plane2d').data.map((t) => t.type)")
    assert "contour" not in types  # the exact segments replace the sampled contour
    boundary = trace(page, "plot-plane2d", "decision boundary")
    assert boundary == {"x": [-1.0, 0.0, None, 0.0, 1.0, None],
                        "y": [-0.5, 0.5, None, 0.5, -0.5, None]}
    assert trace(page, "plot-plane2d", "region outlines") is None  # only with "linear regions"

    page.check("#toggle-regions")
    outlines = trace(page, "plot-plane2d", "region outlines")
    expected = {"x": [], "y": []}
    for polygon in POLYGONS:
        ring = [*polygon["vertices"], polygon["vertices"][0]]
        expected["x"] += [x for x, _ in ring] + [None]
        expected["y"] += [y for _, y in ring] + [None]
    assert outlines == expected
    # the probability stays under the outlines (the grid's region colouring is for the fallback)
    assert page.get_attribute("#plot-plane2d", "data-surface") == "probability"
    assert page.get_attribute("#plot-plane2d", "data-polygons") == "2"
    stat = page.locator('[data-stat="linear_regions"]').inner_text()
    assert stat.startswith("2 exact (the grid sees")


def test_the_servers_own_polygons_and_boundary_are_drawn(page, server):
    """No injection: a 2-8-8-1 ReLU net's frames carry the exact regions; the page outlines every
    polygon the server computed and draws its boundary segments."""
    open_playground(page, server.url, "#dataset=circle&n_points=100&hidden_units=8&depth=2"
                    "&activation=relu&seed=3&regions=1")
    page.click("#step")
    wait_paused_at(page, 10)
    with api(server.url) as client:
        function = client.get(f"/api/runs/{run_id(page)}/function").json()
    polygons, segments = function["polygons"], function["boundary"]
    assert polygons and len(polygons) >= function["region_count"]
    assert page.get_attribute("#plot-plane2d", "data-polygons") == str(len(polygons))
    outlines = trace(page, "plot-plane2d", "region outlines")
    assert outlines["x"].count(None) == len(polygons)
    vertices = [v for p in polygons for v in [*p["vertices"], p["vertices"][0]]]
    drawn = [(x, y) for x, y in zip(outlines["x"], outlines["y"], strict=True) if x is not None]
    assert np.allclose(np.asarray(drawn), np.asarray(vertices), atol=1e-6)
    boundary = trace(page, "plot-plane2d", "decision boundary")
    assert boundary["x"].count(None) == len(segments)
    assert page.locator('[data-stat="linear_regions"]').inner_text().startswith(
        f"{len(polygons)} exact (the grid sees")
