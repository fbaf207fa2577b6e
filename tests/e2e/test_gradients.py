"""The "Gradients and activations" card in a real browser against the real server: at the lesson
"initialisation at depth" it shows one row per layer with the server's numbers, says that the
gradient vanishes, changes its verdict with He init, and charts the norms while the run plays."""

from __future__ import annotations

import pytest

from tests.e2e.pagetools import TIMEOUT_MS, api, open_playground, run_id

pytestmark = pytest.mark.e2e

ROWS = "#gradients-card tbody tr"


def shown(page) -> list[dict]:
    return page.eval_on_selector_all(ROWS, """rows => rows.map(row => ({
        name: row.querySelector('.grad-name').textContent,
        grad: Number(row.dataset.gradNorm), post: Number(row.dataset.postStd),
        counts: row.querySelector('canvas.grad-post').drawn.counts,
        width: parseFloat(row.querySelector('.grad-norm .fill').style.width)}))""")


def wait_card(page, run: str, step: int) -> None:
    page.locator("#gradients-card").scroll_into_view_if_needed()
    page.wait_for_function(
        f"document.body.dataset.runId === '{run}' && "
        f"document.getElementById('gradients-card').dataset.step === '{step}' && "
        f"document.querySelectorAll('{ROWS}').length > 0", timeout=TIMEOUT_MS)


def test_the_card_shows_the_servers_statistics_and_a_vanishing_gradient(page, server, screenshots):
    open_playground(page, server.url, "#lesson=init_at_depth")
    run = run_id(page)
    wait_card(page, run, 0)
    expected = api(server.url).get(f"/api/runs/{run}/gradients").json()
    rows = shown(page)
    names = [f"h{chr(0x2080 + k)}" for k in range(1, 9)]  # h₁ ... h₈
    assert [row["name"] for row in rows] == [*names, "output"]
    for row, layer in zip(rows, expected["layers"], strict=True):
        assert row["grad"] == pytest.approx(layer["grad_norm"], rel=1e-9)
        assert row["post"] == pytest.approx(layer["post_std"], rel=1e-9)
        assert row["counts"] == layer["post"]["counts"]
    assert rows[0]["width"] < rows[-1]["width"]  # the log bars fall towards the input
    caption = page.locator("#gradients-card .gradients-caption").text_content()
    assert "vanishes" in caption
    page.locator("#gradients-card").screenshot(path=screenshots / "gradients-default.png")

    page.click("details.more > summary")  # "More: initialisation, dropout, batch norm"
    page.select_option("#init", "he")  # rebuilds at step 0 with He init
    page.wait_for_function("window.playground.run.config.model.init === 'he'", timeout=TIMEOUT_MS)
    page.locator("#gradients-card").scroll_into_view_if_needed()  # it asks only while on screen
    page.wait_for_function("document.querySelector('#gradients-card .gradients-caption')"
                           ".textContent.includes('init he')", timeout=TIMEOUT_MS)
    assert "within" in page.locator("#gradients-card .gradients-caption").text_content()

    page.click("#play")
    page.wait_for_function("""(() => { const d = document.getElementById('plot-gradnorms').drawn;
        return d && d[0].x.length >= 3; })()""", timeout=TIMEOUT_MS)
    page.click("#play")
    history = page.evaluate("document.getElementById('plot-gradnorms').drawn")
    assert len(history) == 9 and all(line["x"] == sorted(line["x"]) for line in history)
    page.locator("#gradients-card").screenshot(path=screenshots / "gradients-he.png")
