"""The 1-D hidden-unit panels (canvases, js/views/units.js) in a real browser: what they drew
(the element's `drawn`) against the server's REST answers, the same canvases reused from frame to
frame, sharp on a HiDPI screen, and a hover that reads the values drawn.
"""

from __future__ import annotations

import pytest

from tests.e2e.pagetools import drawn, open_playground, rest, stepped

pytestmark = pytest.mark.e2e

SHALLOW = "#dataset=sine&n_points=100&hidden_units=8&depth=1&activation=relu&seed=0"
DEEP = "#dataset=sine&n_points=100&hidden_units=4&depth=3&activation=relu&seed=0"


def test_a_shallow_nets_panels_draw_each_units_curves_and_the_sum_the_server_computes(page, server):
    open_playground(page, server.url, SHALLOW)
    stepped(page, 100, 100)
    function = rest(server, page, "function")
    units = function["units"]
    panels = drawn(page, "plot-units")
    assert [p["title"].split(".")[0] for p in panels] == ["1", "2", "3", "4"]
    sent = [units["layers"][0]["pre"], units["layers"][0]["post"], units["weighted"]]
    for panel, rows in zip(panels, sent, strict=False):
        assert panel["x"] == function["x"]
        assert [s["y"] for s in panel["series"]] == rows
        assert [s["name"] for s in panel["series"]] == [f"unit {u + 1}" for u in range(8)]
    # the sum is the network's own output (the REST function's y), not only the page's addition
    (sum_series,) = panels[3]["series"]
    assert sum_series["y"] == pytest.approx(function["y"][0], abs=1e-4)
    # and every curve lies inside its panel's y axis (nothing drawn off the plot)
    for panel in panels:
        lo, hi = panel["geometry"]["yRange"]
        assert all(lo <= v <= hi for s in panel["series"] for v in s["y"])
        ticks = panel["geometry"]["yTicks"]
        assert len(ticks) >= 3 and all(lo <= t <= hi for t in ticks)


def test_a_deep_nets_panels_draw_every_layers_outputs(page, server):
    open_playground(page, server.url, DEEP)
    stepped(page, 10, 10)
    function = rest(server, page, "function")
    units = function["units"]
    panels = drawn(page, "plot-units")
    assert len(panels) == 3 + 2  # each layer's outputs, the weighted last layer, the sum
    for layer, panel in zip(units["layers"], panels, strict=False):
        assert [s["y"] for s in panel["series"]] == layer["post"]
    assert [s["y"] for s in panels[3]["series"]] == units["weighted"]
    assert panels[4]["series"][0]["y"] == pytest.approx(function["y"][0], abs=1e-4)
    assert all(not p["markers"] and not p["guides"] for p in panels)  # joints: shallow nets only
    assert page.locator("#plot-units").get_attribute("data-joints") == "0"


def test_the_canvases_are_kept_between_frames_and_drawn_at_the_screens_pixel_ratio(browser, server):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, device_scale_factor=2)
    try:
        page = context.new_page()
        open_playground(page, server.url, SHALLOW)
        stepped(page, 10, 10)
        page.evaluate("document.querySelectorAll('#plot-units canvas')"
                      ".forEach((c) => { c.kept = 1; })")
        before = drawn(page, "plot-units")
        stepped(page, 10, 20)
        after = drawn(page, "plot-units")
        assert page.evaluate("Array.from(document.querySelectorAll('#plot-units canvas'))"
                             ".every((c) => c.kept === 1)")
        assert after[0]["series"][0]["y"] != before[0]["series"][0]["y"]  # redrawn, new numbers
        for panel in after:
            assert panel["width"] > 150 and panel["height"] > 150
            assert panel["pixels"][0] == pytest.approx(2 * panel["width"], abs=1)
            assert panel["pixels"][1] == pytest.approx(2 * panel["height"], abs=1)
    finally:
        context.close()


def test_hovering_a_panel_reads_the_units_values_at_that_x(page, server):
    open_playground(page, server.url, SHALLOW)
    stepped(page, 100, 100)
    units = rest(server, page, "function")["units"]
    panel = drawn(page, "plot-units")[1]  # the activations
    plot, (x0, x1) = panel["geometry"]["plot"], panel["geometry"]["xRange"]
    page.locator("#plot-units canvas").nth(1).scroll_into_view_if_needed()
    box = page.locator("#plot-units canvas").nth(1).bounding_box()
    page.mouse.move(box["x"] + plot["left"] + 0.5 * plot["width"], box["y"] + plot["top"] + 5)
    tip = page.locator("#plot-units .units-tip")
    tip.wait_for(state="visible", timeout=5_000)
    lines = tip.inner_text().splitlines()
    x = float(lines[0].removeprefix("x = "))
    assert x0 < x < x1
    shown = [(int(name.removeprefix("unit ")) - 1, float(value))
             for name, value in (line.rsplit(": ", 1) for line in lines[1:])]
    post = units["layers"][0]["post"]
    # the abscissa shown (to 3 decimals) may round two close abscissae alike: one must match
    near = [i for i, xi in enumerate(panel["x"]) if abs(xi - x) <= 0.0006]
    matches = [all(abs(value - post[unit][i]) <= 1e-3 for unit, value in shown) for i in near]
    assert any(matches), shown
    assert len(lines) == 1 + 8
