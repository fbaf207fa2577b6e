"""Two details of the page in a real browser: each hidden unit's joint marked in the unit panels
(checked against the server's unit pre-activations, weights and output kinks), and the view toggles
kept in the URL so a reload or a shared link shows the same view.
"""

from __future__ import annotations

import pytest

from tests.e2e.pagetools import (
    TIMEOUT_MS,
    api,
    drawn,
    open_playground,
    run,
    run_id,
    trace,
    wait_paused_at,
)

pytestmark = pytest.mark.e2e


def test_each_units_joint_is_marked_where_the_output_bends(page, server, screenshots):
    open_playground(page, server.url)  # the default lesson: one input, 3 ReLU units, depth 1
    model = run(page)["config"]["model"]
    assert (model["hidden_units"], model["depth"], model["activation"]) == (3, 1, "relu")
    page.select_option("#step-size", "100")
    page.click("#step")
    wait_paused_at(page, 100)
    client = api(server.url)
    function = client.get(f"/api/runs/{run_id(page)}/function").json()
    lo, hi = function["x"][0], function["x"][-1]

    pre = function["units"]["layers"][0]["pre"]
    crossing = sum(1 for row in pre if min(row) < 0 < max(row))
    count = int(page.locator("#plot-units").get_attribute("data-joints"))
    panels = drawn(page, "plot-units")
    markers = panels[0]["markers"]  # the pre-activation panel
    joints = [m["x"] for m in markers]
    assert count == len(joints) == crossing
    assert all(m["y"] == 0 for m in markers)  # on the zero line
    for panel in panels[1:]:  # and a faint line where each unit bends in every later panel
        assert sorted(g["x"] for g in panel["guides"]) == sorted(joints)

    # Independently, from the weights: unit d's joint is x = -b_d / w_d where it lies in the range.
    layer = client.get(f"/api/runs/{run_id(page)}/weights").json()["layers"][0]
    expected = sorted(-b / w[0] for w, b in zip(layer["weight"], layer["bias"], strict=True)
                      if w[0] != 0 and lo < -b / w[0] < hi)
    assert sorted(joints) == pytest.approx(expected, abs=1e-3)

    breakpoints = function["piecewise"]["breakpoints"][0]
    assert breakpoints, "after 100 steps the default lesson's output has no kink to check"
    for kink in breakpoints:
        assert min(abs(kink - joint) for joint in joints) < 1e-3, (kink, joints)
    assert "joint" in page.locator("#units-caption").inner_text()
    page.locator(".view-units").screenshot(path=screenshots / "units-joints.png")


def test_view_toggles_go_into_the_url_and_come_back_on_reload(page, server):
    open_playground(page, server.url)
    assert page.is_checked("#toggle-log") and not page.is_checked("#toggle-baseline")
    assert not any(key in page.url for key in ("log=", "baseline=", "regions="))  # defaults

    page.check("#toggle-baseline")
    page.uncheck("#toggle-log")
    page.wait_for_function(
        "location.hash.includes('baseline=1') && location.hash.includes('log=0')",
        timeout=TIMEOUT_MS)
    page.reload()
    page.wait_for_function("window.playground && window.playground.snapshots >= 1",
                           timeout=TIMEOUT_MS)
    assert page.is_checked("#toggle-baseline") and not page.is_checked("#toggle-log")
    page.wait_for_function(
        "document.getElementById('plot-fit1d').data.some(t => t.name === 'linear regression')",
        timeout=TIMEOUT_MS)
    assert page.evaluate("document.getElementById('plot-loss').layout.yaxis.type") == "linear"
    assert "baseline=1" in page.url and "log=0" in page.url

    page.uncheck("#toggle-baseline")  # back to its default: the key leaves the link
    page.wait_for_function("!location.hash.includes('baseline=')", timeout=TIMEOUT_MS)
    assert trace(page, "plot-fit1d", "linear regression") is None


def test_a_link_with_regions_shows_the_linear_regions(page, server):
    # with input features there are no exact polygons: the grid's region colouring is drawn
    open_playground(page, server.url, "#dataset=circle&regions=1&features=x1_squared")
    page.wait_for_selector('body[data-mode="2d"]')
    assert page.is_checked("#toggle-regions")
    page.wait_for_function(
        "document.getElementById('plot-plane2d').surface?.kind === 'regions'",
        timeout=TIMEOUT_MS)
    assert "regions=1" in page.url
