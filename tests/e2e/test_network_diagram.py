# ruff: noqa: E501 - CSS selectors and in-page scripts read best on one line
"""The network diagram (frontend/js/views/network.js) and weights by hand, in a real browser against
the server's own REST answers: one node per unit, one edge per weight coloured by sign and as thick
as |w|, hover values, editing a weight (set_weights over the socket, checked by GET weights), the
summary of wide layers, dropout and batch-norm marks, and the live thumbnails of each unit.
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.pagetools import TIMEOUT_MS, api, open_playground, rest, run_id, stepped

pytestmark = pytest.mark.e2e

SHALLOW = "#dataset=sine&n_points=60&hidden_units=3&depth=1&activation=relu&seed=0"
DEEP_2D = "#dataset=circle&n_points=100&hidden_units=4,2&depth=2&activation=relu&seed=0"
NEGATIVE, POSITIVE = "#1f6fb4", "#e08a00"  # palette.js SIGN_COLORS: the unit panels' ends


def drawn_edges(page) -> list[dict]:
    return page.evaluate("""() => Array.from(document.querySelectorAll(
        '#network-diagram g[data-kind=edge]')).map((g) => {
            const line = g.querySelector('line.edge');
            return {layer: Number(g.dataset.layer), to: Number(g.dataset.to),
                    from: Number(g.dataset.from), weight: Number(g.dataset.weight),
                    color: line.getAttribute('stroke'),
                    width: Number(line.getAttribute('stroke-width'))};
        })""")


def thumbnails(page) -> dict[str, dict]:
    """Each node canvas by key ("column:unit"): what it says it drew and how many pixels are inked."""
    return page.evaluate("""() => Object.fromEntries(Array.from(document.querySelectorAll(
        '#network-card .network-thumbs canvas')).map((c) => {
            const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let inked = 0;
            for (let i = 0; i < data.length; i += 4) {
                if (data[i + 3] > 0 && (data[i] < 200 || data[i + 1] < 200 || data[i + 2] < 200)) inked += 1;
            }
            return [c.dataset.key, {min: Number(c.dataset.min), max: Number(c.dataset.max),
                                    drawn: c.dataset.drawn, inked}];
        }))""")


@pytest.mark.parametrize(("hash_", "widths"), [(SHALLOW, [1, 3, 1]), (DEEP_2D, [2, 4, 2, 1])])
def test_one_node_per_unit_and_one_edge_per_weight_drawn_by_sign_and_size(page, server, hash_, widths):
    open_playground(page, server.url, hash_)
    stepped(page)
    diagram = page.get_by_role("img", name="Network diagram")
    assert diagram.is_visible()
    assert diagram.locator(".node").count() == sum(widths)
    edges = drawn_edges(page)
    assert len(edges) == sum(a * b for a, b in zip(widths, widths[1:], strict=False))
    layers = rest(server, page, "weights")["layers"]
    largest = max(abs(w) for layer in layers for row in layer["weight"] for w in row)
    for edge in edges:  # the weight each edge carries is the server's, and its look follows it
        weight = layers[edge["layer"]]["weight"][edge["to"]][edge["from"]]
        assert edge["weight"] == pytest.approx(weight, abs=1e-6)
        assert edge["color"].lower() == (NEGATIVE if weight < 0 else POSITIVE)
    thickest = max(edges, key=lambda e: e["width"])
    thinnest = min(edges, key=lambda e: e["width"])
    assert abs(thickest["weight"]) == pytest.approx(largest, abs=1e-6)
    # width is affine in |w| / max |w|: fit it on the two extremes, every other edge must lie on it
    span = abs(thickest["weight"]) - abs(thinnest["weight"])
    slope = (thickest["width"] - thinnest["width"]) / span
    assert slope > 0
    for edge in edges:
        expected = thinnest["width"] + slope * (abs(edge["weight"]) - abs(thinnest["weight"]))
        assert edge["width"] == pytest.approx(expected, abs=0.01)
    biases = page.evaluate("""() => Array.from(document.querySelectorAll(
        '#network-diagram g[data-kind=node][data-bias]')).map((g) => [g.dataset.key, Number(g.dataset.bias)])""")
    assert len(biases) == sum(widths[1:])
    for key, bias in biases:
        column, unit = map(int, key.split(":"))
        assert bias == pytest.approx(layers[column - 1]["bias"][unit], abs=1e-6)


def test_hovering_an_edge_or_a_unit_says_its_value(page, server):
    open_playground(page, server.url, SHALLOW)
    stepped(page)
    layers = rest(server, page, "weights")["layers"]
    page.locator("#network-diagram g[data-kind=edge][data-layer='1'][data-to='0'][data-from='2']").hover(force=True)
    tooltip = page.locator("#network-card .network-tooltip")
    tooltip.wait_for(state="visible")
    shown = tooltip.evaluate("(t) => ({...t.dataset})")
    assert (shown["kind"], shown["layer"], shown["to"], shown["from"]) == ("weight", "1", "0", "2")
    value = float(re.search(r"= (\S+)", tooltip.inner_text()).group(1))
    assert value == pytest.approx(layers[1]["weight"][0][2], rel=1e-3, abs=1e-6)
    assert "layer 1, unit 3 → output" in tooltip.inner_text()

    page.locator("#network-diagram g[data-kind=node][data-key='1:1'] rect").hover()
    text = tooltip.inner_text()
    assert "layer 1, unit 2" in text and "bias" in text
    assert float(re.search(r"= (\S+)", text).group(1)) == pytest.approx(layers[0]["bias"][1], rel=1e-3, abs=1e-6)
    preview = page.locator("#network-card .network-preview")  # the enlarged picture of that unit
    assert preview.is_visible()
    post = rest(server, page, "function")["units"]["layers"][0]["post"][1]
    drawn = preview.locator("canvas").evaluate("(c) => [Number(c.dataset.min), Number(c.dataset.max)]")
    assert drawn == pytest.approx([min(post), max(post)], rel=1e-3, abs=1e-6)
    assert "layer 1, unit 2" in preview.inner_text()


def test_editing_a_weight_in_the_diagram_sets_it_on_the_server(page, server):
    open_playground(page, server.url, SHALLOW)
    stepped(page)
    before = rest(server, page, "weights")["layers"]
    page.locator("#network-diagram g[data-kind=edge][data-layer='0'][data-to='1'] line.edge-hit").click(force=True)
    editor = page.locator("#network-editor")
    assert editor.is_visible()
    assert "weight x → layer 1, unit 2" in editor.inner_text()
    page.fill("#network-edit-value", "0.75")
    page.press("#network-edit-value", "Enter")
    page.wait_for_function("""() => document.querySelector(
        "#network-diagram g[data-kind=edge][data-layer='0'][data-to='1']").dataset.weight === '0.75'""",
                           timeout=TIMEOUT_MS)
    after = rest(server, page, "weights")["layers"]
    assert after[0]["weight"][1][0] == 0.75
    before[0]["weight"][1][0] = 0.75  # every other number is as it was
    assert after == before
    notice = page.locator("#notice")
    assert notice.is_visible()
    assert "optimizer state starts afresh" in notice.inner_text()
    assert "optimizer state starts afresh" in editor.inner_text()
    assert page.evaluate("window.playground.run.step") == 10  # the step is kept

    page.locator("#network-diagram g[data-kind=node][data-key='2:0'] rect").click()  # the output's bias
    page.fill("#network-edit-value", "-0.5")
    page.press("#network-edit-value", "Enter")
    page.wait_for_function("""() => document.querySelector(
        "#network-diagram g[data-kind=node][data-key='2:0']").dataset.bias === '-0.5'""", timeout=TIMEOUT_MS)
    assert rest(server, page, "weights")["layers"][1]["bias"] == [-0.5]


def test_the_thumbnails_draw_each_units_output_and_follow_new_weights(page, server):
    open_playground(page, server.url, SHALLOW)
    stepped(page)

    def check_against_server() -> dict:
        fn = rest(server, page, "function")
        drawn = thumbnails(page)
        assert set(drawn) == {"1:0", "1:1", "1:2", "2:0"}
        expected = {f"1:{u}": post for u, post in enumerate(fn["units"]["layers"][0]["post"])}
        expected["2:0"] = fn["y"][0]
        for key, values in expected.items():
            assert drawn[key]["drawn"] == "1"
            assert [drawn[key]["min"], drawn[key]["max"]] == pytest.approx(
                [min(values), max(values)], rel=1e-3, abs=1e-6), key
            assert drawn[key]["inked"] > 20, key  # a curve, not a blank canvas
        return drawn

    first = check_against_server()
    layers = rest(server, page, "weights")["layers"]
    layers[0]["weight"][0][0] = 2.0  # unit 1 becomes a steep ramp (its bias stays)
    layers[0]["bias"][0] = 0.5
    answer = api(server.url).put(f"/api/runs/{run_id(page)}/weights", json={"layers": layers})
    assert answer.status_code == 200
    page.wait_for_function("""(old) => Number(document.querySelector(
        "#network-card .network-thumbs canvas[data-key='1:0']").dataset.max) !== old""",
                           arg=first["1:0"]["max"], timeout=TIMEOUT_MS)
    second = check_against_server()
    assert second["1:0"]["max"] == pytest.approx(max(0.0, 2.0 * 1 + 0.5), rel=1e-3)  # relu at x = 1


def test_a_wide_layer_is_summarised_in_words(page, server):
    open_playground(page, server.url, "#dataset=sine&n_points=60&hidden_units=48&depth=1&seed=0")
    stepped(page)
    summary = page.locator("#network-card .network-summary")
    assert summary.is_visible()
    assert "strongest weights" in summary.inner_text()
    assert "layer 1 has 48 units" in summary.inner_text()
    network = rest(server, page, "function")["network"]
    assert network["summary"] is True
    sent = sum(len(layer["strongest"]["to"]) if layer["strongest"] else len(layer["weight"]) * len(layer["weight"][0])
               for layer in network["layers"])
    assert len(drawn_edges(page)) == sent


def test_digits_are_summarised_not_drawn_as_64_nodes(page, server):
    open_playground(page, server.url, "#dataset=digits&hidden_units=8&depth=1&seed=0")
    stepped(page)
    summary = page.locator("#network-card .network-summary")
    assert summary.is_visible()
    assert "the input has 64 numbers" in summary.inner_text()
    nodes = page.get_by_role("img", name="Network diagram").locator(".node")
    shown = len({(e["from"]) for e in drawn_edges(page) if e["layer"] == 0})
    assert nodes.count() == shown + 8 + 10 < 64 + 8 + 10


def test_dropout_marks_the_units_dropped_in_this_step(page, server):
    open_playground(page, server.url, "#dataset=sine&n_points=60&hidden_units=8&depth=1&dropout=0.5&seed=0")
    stepped(page)
    dropped = rest(server, page, "function")["network"]["dropped"]
    assert dropped and dropped[0], "dropout 0.5 of 8 units should drop some"
    marked = page.evaluate("""() => Array.from(document.querySelectorAll(
        "#network-diagram g[data-kind=node][data-dropped='1']")).map((g) => Number(g.dataset.unit))""")
    assert sorted(marked) == dropped[0]
    assert page.get_by_text("dropped in this step").is_visible()


def test_batch_norm_turns_editing_off_and_says_why(page, server):
    open_playground(page, server.url, "#dataset=sine&n_points=60&hidden_units=4&depth=2&batch_norm=1&seed=0")
    stepped(page)
    note = page.locator("#network-edit-note")
    assert note.is_visible()
    assert "batch norm" in note.inner_text()
    assert page.locator("#network-diagram .column-title.bn").count() == 2
    page.locator("#network-diagram g[data-kind=edge] line.edge-hit").first.click(force=True)
    assert page.locator("#network-editor").is_hidden()
