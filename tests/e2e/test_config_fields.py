"""The config additions in a real browser: per-layer widths, input features and L1 travel through
the URL, show in the form and reach the server; the server's run is the reference."""

from __future__ import annotations

import pytest

from tests.e2e.pagetools import TIMEOUT_MS, api, open_playground, run, set_field

pytestmark = pytest.mark.e2e


def _model(page) -> dict:
    return run(page)["config"]["model"]


def test_a_link_with_widths_and_features_builds_that_network(page, server):
    open_playground(page, server.url, "#dataset=circle&depth=2&hidden_units=4,2"
                    "&features=x1_squared,x2_squared&l1=0.001")
    model = _model(page)
    assert model["hidden_units"] == [4, 2]
    assert model["features"] == ["x1_squared", "x2_squared"]
    assert run(page)["config"]["training"]["l1"] == 0.001
    served = api(server.url).get(f"/api/runs/{run(page)['id']}").json()
    assert served["config"]["model"] == model
    assert page.input_value("#hidden_units") == "4,2"
    checked = page.eval_on_selector_all("#features input:checked",
                                        "boxes => boxes.map(b => b.value)")
    assert checked == ["x1_squared", "x2_squared"]
    offered = page.eval_on_selector_all("#features input", "boxes => boxes.map(b => b.value)")
    two_d = [f["name"] for f in api(server.url).get("/api/options").json()["features"]
             if f["inputs"] == 2]
    assert offered == two_d
    assert "hidden_units=4,2" in page.evaluate("window.location.hash")


def test_typing_widths_and_ticking_a_feature_rebuild_the_run(page, server):
    open_playground(page, server.url, "#dataset=circle&depth=2&hidden_units=3")
    set_field(page, "hidden_units", "5,3")
    page.wait_for_function("JSON.stringify(window.playground.run.config.model.hidden_units)"
                           " === '[5,3]'", timeout=TIMEOUT_MS)
    page.locator('#features input[value="x1_x2"]').check()
    page.wait_for_function("window.playground.run.config.model.features.join() === 'x1_x2'",
                           timeout=TIMEOUT_MS)
    assert "features=x1_x2" in page.evaluate("window.location.hash")
    # equal widths are one number on the server, and the box shows that
    set_field(page, "hidden_units", "4,4")
    page.wait_for_function("window.playground.run.config.model.hidden_units === 4",
                           timeout=TIMEOUT_MS)
    assert page.input_value("#hidden_units") == "4"


def test_a_width_list_of_the_wrong_length_is_refused_by_name(page, server):
    open_playground(page, server.url, "#dataset=circle&depth=2&hidden_units=3")
    set_field(page, "hidden_units", "5,3,2")
    error = page.locator('.field[data-key="hidden_units"] .field-error')
    error.wait_for(timeout=TIMEOUT_MS)
    assert "depth" in error.inner_text()
    assert _model(page)["hidden_units"] == 3
    page.problems[:] = [p for p in page.problems if "status of 422" not in p]


def test_one_input_datasets_offer_their_own_features(page, server):
    open_playground(page, server.url, "#dataset=sine")
    offered = page.eval_on_selector_all("#features input", "boxes => boxes.map(b => b.value)")
    one_d = [f["name"] for f in api(server.url).get("/api/options").json()["features"]
             if f["inputs"] == 1]
    assert offered == one_d and offered
