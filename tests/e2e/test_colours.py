"""Colours a colour-blind student can tell apart, measured on what the page uses and draws.

The palettes are read from the page's own module (frontend/js/views/palette.js) and from what the
charts drew (Plotly's traces, the unit panels' `drawn`); distances are CIE76 ΔE in CIELAB, under
the Machado, Oliveira & Fernandes (2009) simulation of deuteranopia (severity 1) for the class
colours and for normal vision for the units. Joints must carry their unit's number, so colour is
never the only cue.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from tests.e2e.pagetools import (
    api,
    drawn,
    open_playground,
    snapshots,
    wait_paused_at,
    wait_snapshot_after,
)

pytestmark = pytest.mark.e2e

# Machado et al. 2009, deuteranopia at severity 1.0, applied to linear RGB.
DEUTERANOPIA = np.array([[0.367322, 0.860646, -0.227968],
                         [0.280085, 0.672501, 0.047413],
                         [-0.011820, 0.042940, 0.968881]])
SRGB_TO_XYZ = np.array([[0.4124564, 0.3575761, 0.1804375],
                        [0.2126729, 0.7151522, 0.0721750],
                        [0.0193339, 0.1191920, 0.9503041]])
D65 = np.array([0.95047, 1.0, 1.08883])
CLASS_MIN_DELTA_E = 20  # any two class colours, for a deuteranope (the old orange/green: 25 -> 4.8)
USED_CLASS_MIN_DELTA_E = 40  # the colours of the classes a dataset has today (the old pair: 25)
UNIT_MIN_DELTA_E = 30  # two units drawn with the same dash (the old units 1 and 16: 4.6)


def linear(rgb: np.ndarray) -> np.ndarray:
    return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)


def gamma(rgb: np.ndarray) -> np.ndarray:
    rgb = np.clip(rgb, 0.0, 1.0)
    return np.where(rgb <= 0.0031308, 12.92 * rgb, 1.055 * rgb ** (1 / 2.4) - 0.055)


def rgb(hex_colour: str) -> np.ndarray:
    value = hex_colour.lstrip("#")
    return np.array([int(value[i:i + 2], 16) / 255 for i in (0, 2, 4)])


def lab(colour: np.ndarray) -> np.ndarray:
    t = SRGB_TO_XYZ @ linear(colour) / D65
    f = np.where(t > (6 / 29) ** 3, np.cbrt(t), t / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def deuteranope(colour: np.ndarray) -> np.ndarray:
    return gamma(DEUTERANOPIA @ linear(colour))


def delta_e(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(lab(a) - lab(b)))


def test_the_reference_reproduces_the_reported_merge() -> None:
    """The old palette's orange and green: ΔE 106 for normal vision, 25 for a deuteranope."""
    orange, green = rgb("#c2410c"), rgb("#16a34a")
    assert delta_e(orange, green) == pytest.approx(106.3, abs=0.5)
    assert delta_e(deuteranope(orange), deuteranope(green)) == pytest.approx(24.9, abs=0.5)


def _palette(page) -> dict:
    return page.evaluate("""import('/js/views/palette.js').then((m) => ({
        classes: m.CLASS_COLORS, units: Array.from({length: 64}, (_, i) => m.unitStyle(i))}))""")


def test_class_colours_stay_apart_under_deuteranopia(page, server):
    open_playground(page, server.url)
    classes = _palette(page)["classes"]
    options = api(server.url).get("/api/options").json()
    used = max(d["classes"] or 0 for d in options["datasets"] if d["inputs"] <= 2)
    assert len(classes) >= used
    seen = [deuteranope(rgb(colour)) for colour in classes]
    for (i, a), (j, b) in itertools.combinations(enumerate(seen), 2):
        floor = USED_CLASS_MIN_DELTA_E if j < used else CLASS_MIN_DELTA_E
        assert delta_e(a, b) >= floor, (classes[i], classes[j], delta_e(a, b))


def test_the_plane_draws_the_classes_in_the_palette(page, server):
    open_playground(page, server.url, "#dataset=blobs")
    page.wait_for_selector('body[data-mode="2d"]')
    classes = [c.lower() for c in _palette(page)["classes"]]
    drawn = page.evaluate("document.getElementById('plot-plane2d').data"
                          ".find(t => t.name === 'train').marker.color")
    labels = api(server.url).get(
        f"/api/runs/{page.evaluate('window.playground.run.id')}/data").json()["train"]["y"]
    assert [c.lower() for c in drawn] == [classes[int(y)] for y in labels]


def test_every_unit_the_server_may_send_has_its_own_look(page, server):
    open_playground(page, server.url)
    limit = api(server.url).get("/api/options").json()["limits"]["max_units_shown"]
    styles = _palette(page)["units"][:limit]
    assert len({(s["color"].lower(), s["dash"]) for s in styles}) == limit
    for a, b in itertools.combinations(styles, 2):
        if a["dash"] == b["dash"]:
            assert delta_e(rgb(a["color"]), rgb(b["color"])) >= UNIT_MIN_DELTA_E, (a, b)

    count = snapshots(page)  # and the panels draw them so: 32 units, each its own line
    page.fill("#hidden_units", str(limit))
    page.press("#hidden_units", "Tab")
    wait_snapshot_after(page, count)
    page.wait_for_function(f"((document.getElementById('plot-units').drawn || {{}}).panels || [])"
                           f".some(p => p.series.length >= {limit})")
    series = drawn(page, "plot-units")[0]["series"]
    lines = [(s["name"], s["color"].lower(), s["dash"]) for s in series]
    assert [name for name, _, _ in lines] == [f"unit {u + 1}" for u in range(limit)]
    assert len({(color, dash) for _, color, dash in lines}) == limit
    # and each is the palette's look for its unit (the palette read from the page's module)
    assert [line[1:] for line in lines] == [(s["color"].lower(), s["dash"]) for s in styles]


def test_each_joint_carries_its_units_number(page, server):
    open_playground(page, server.url)  # the first lesson: 3 ReLU units
    page.select_option("#step-size", "100")
    page.click("#step")
    wait_paused_at(page, 100)
    panel = drawn(page, "plot-units")[0]  # the pre-activation panel marks the joints
    joints = panel["markers"]
    assert joints
    assert [j["label"] for j in joints] == [str(j["unit"] + 1) for j in joints]
    # hovering a joint names its unit (the tooltip), as Plotly's hover did
    joint = joints[0]
    page.locator("#plot-units canvas").first.scroll_into_view_if_needed()
    box = page.locator("#plot-units canvas").first.bounding_box()
    plot, (x0, x1), (y0, y1) = (panel["geometry"][k] for k in ("plot", "xRange", "yRange"))
    px = plot["left"] + (joint["x"] - x0) / (x1 - x0) * plot["width"]
    py = plot["top"] + (y1 - joint["y"]) / (y1 - y0) * plot["height"]
    page.mouse.move(box["x"] + px, box["y"] + py)
    tip = page.locator("#plot-units .units-tip")
    tip.wait_for(state="visible", timeout=5_000)
    assert tip.inner_text().startswith(f"unit {joint['unit'] + 1} joint at x = {joint['x']:.3f}")
