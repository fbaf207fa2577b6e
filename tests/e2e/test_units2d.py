"""The 2-D hidden-unit panels, joint lines, test points, the discretized output, both outputs of a
two-output fit and the projector layout, in a real browser against the server's REST answers.
"""

from __future__ import annotations

import pytest

from tests.e2e.pagetools import api, open_playground, run_id, stepped, trace

pytestmark = pytest.mark.e2e

CIRCLE = "#dataset=circle&n_points=100&hidden_units=4&depth=1&activation=relu&seed=0"


def function(server, page) -> dict:
    return api(server.url).get(f"/api/runs/{run_id(page)}/function").json()


def drawn_panels(page) -> list[dict]:
    return page.evaluate("""() => Array.from(document.querySelectorAll('#units2d canvas')).map(
        (c) => ({stage: c.dataset.stage, unit: Number(c.dataset.unit), plane: c.plane,
                 lines: c.lines}))""")


def test_the_unit_panels_draw_the_planes_and_joint_lines_the_server_sent(page, server, screenshots):
    open_playground(page, server.url, CIRCLE)
    stepped(page)
    units = function(server, page)["units"]
    panels = drawn_panels(page)
    width = len(units["layers"][-1]["post"])
    assert width == 4
    assert len(panels) == width * 3 + 1
    sent = {"pre": units["layers"][-1]["pre"], "post": units["layers"][-1]["post"],
            "weighted": units["weighted"][0], "output": units["output"]}
    for panel in panels:
        assert panel["plane"] == sent[panel["stage"]][panel["unit"]], panel["stage"]
    for panel in panels:  # each pre-activation panel carries its own unit's joint line
        if panel["stage"] == "pre":
            line = units["lines"][panel["unit"]]
            assert panel["lines"] == ([line] if line else [])
    output = next(p for p in panels if p["stage"] == "output")
    assert output["lines"] == [line for line in units["lines"] if line]

    page.check("#toggle-joints")
    for u, line in enumerate(units["lines"]):
        drawn = trace(page, "plot-plane2d", f"joint line {u + 1}")
        if line is None:
            assert drawn is None
        else:
            assert drawn == {"x": [line[0][0], line[1][0]], "y": [line[0][1], line[1][1]]}
    assert "joints=1" in page.evaluate("location.hash")
    page.locator("#views").screenshot(path=screenshots / "2d-units-joint-lines.png")


def test_test_points_hide_and_the_output_discretizes(page, server):
    open_playground(page, server.url, CIRCLE)
    stepped(page)
    assert trace(page, "plot-plane2d", "test") is not None
    page.uncheck("#toggle-test")
    assert trace(page, "plot-plane2d", "test") is None
    assert trace(page, "plot-plane2d", "train") is not None
    assert "test=0" in page.evaluate("location.hash")

    page.check("#toggle-discrete")
    assert page.get_attribute("#plot-plane2d", "data-surface") == "class"
    classes = page.evaluate("() => document.getElementById('plot-plane2d').surface.z")
    z = function(server, page)["z"]
    assert classes == [[1 if p > 0.5 else 0 for p in row] for row in z]


def test_a_two_output_fit_draws_both_outputs_with_their_shared_kinks(page, server, screenshots):
    open_playground(page, server.url, "#lesson=two_outputs")
    stepped(page, 100)
    fn = function(server, page)
    assert len(fn["y"]) == 2
    assert trace(page, "plot-fit1d", "network")["y"] == fn["y"][0]
    assert trace(page, "plot-fit1d", "network y2")["y"] == fn["y"][1]
    assert trace(page, "plot-fit1d", "kinks")["x"] == fn["piecewise"]["breakpoints"][0]
    assert trace(page, "plot-fit1d", "kinks y2")["x"] == fn["piecewise"]["breakpoints"][1]
    shared = [x for x in fn["piecewise"]["breakpoints"][0]
              if any(abs(x - k) < 1e-6 for k in fn["piecewise"]["breakpoints"][1])]
    assert page.get_attribute("#plot-fit1d", "data-shared-kinks") == str(len(shared))
    assert trace(page, "plot-fit1d", "train y2") is not None
    page.uncheck("#toggle-test")
    assert trace(page, "plot-fit1d", "test") is None
    assert trace(page, "plot-fit1d", "test y2") is None
    page.locator("#views").screenshot(path=screenshots / "1d-two-outputs.png")


def test_the_projector_layout_fits_the_plots_on_a_1920x1080_screen(browser, server, screenshots):
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    try:
        open_playground(page, server.url, CIRCLE.replace("hidden_units=4", "hidden_units=8"))
        page.check("#toggle-projector")
        assert "projector=1" in page.evaluate("location.hash")
        stepped(page)
        page.wait_for_timeout(400)  # the charts take their new sizes
        assert page.locator(".sidebar").is_hidden() and page.locator("#lesson-card").is_hidden()
        for selector in ["#plot-plane2d", "#plot-loss", "#units2d-card"]:
            box = page.locator(selector).bounding_box()
            assert box and box["y"] + box["height"] <= 1080, (selector, box)
        page.screenshot(path=screenshots / "projector-1920x1080.png")
        page.uncheck("#toggle-projector")
        assert page.locator(".sidebar").is_visible()

        open_playground(page, server.url, "#dataset=sine&hidden_units=8&depth=1&projector=1")
        stepped(page)
        page.wait_for_timeout(400)
        assert page.locator(".sidebar").is_hidden()  # the layout came from the link
        for selector in ["#plot-fit1d", "#plot-loss", ".view-units"]:
            box = page.locator(selector).bounding_box()
            assert box and box["y"] + box["height"] <= 1080, (selector, box)
        page.screenshot(path=screenshots / "projector-1d-1920x1080.png")
    finally:
        context.close()


def test_the_numbers_name_the_region_bound_and_sum_the_parameters_by_layer(page, server):
    open_playground(page, server.url, CIRCLE.replace("hidden_units=4", "hidden_units=8"))
    stepped(page)
    served = api(server.url).get(f"/api/runs/{run_id(page)}").json()
    assert served["region_bound_kind"] == "zaslavsky"
    regions = page.locator('[data-stat="linear_regions"]').inner_text()
    assert f"Σⱼ₌₀² C(8, j) = {served['region_bound']}" in regions, regions
    terms = " + ".join(f"{fan_in + 1}·{fan_out}" for fan_in, fan_out in served["parameter_terms"])
    total = sum((fan_in + 1) * fan_out for fan_in, fan_out in served["parameter_terms"])
    assert total == served["parameter_count"]
    formula = page.locator('[data-stat="formula"]').inner_text()
    assert formula == f"Σ (D_{{k−1}}+1)·D_k = {terms} = {total}", formula

    page.check("#toggle-logstep")
    assert page.evaluate("document.getElementById('plot-loss').layout.xaxis.type") == "log"
    assert "logstep=1" in page.evaluate("location.hash")
