"""The playground's views in a real browser against a live server: the 2-D heatmap, custom points
added by clicking, the lessons (divergence included) and digits, with screenshots for review.
"""

from __future__ import annotations

import pytest

from tests.e2e.pagetools import (
    api,
    open_playground,
    pause,
    run,
    run_id,
    snapshots,
    trace,
    wait_paused_at,
    wait_snapshot_after,
    wait_step_at_least,
)

pytestmark = pytest.mark.e2e


def test_a_2d_dataset_draws_a_heatmap_with_boundary_and_regions(page, server, screenshots):
    open_playground(page, server.url)
    count = snapshots(page)
    page.select_option("#dataset", "circle")
    wait_snapshot_after(page, count)
    page.wait_for_selector('body[data-mode="2d"]')
    page.wait_for_selector('#plot-plane2d[data-heatmap="1"]')
    page.click("#play")
    wait_step_at_least(page, 300)
    pause(page)
    types = page.evaluate("document.getElementById('plot-plane2d').data.map(t => t.type)")
    function = api(server.url).get(f"/api/runs/{run_id(page)}/function").json()
    assert page.get_attribute("#plot-plane2d", "data-surface") == "probability"
    assert "contour" not in types  # the exact boundary, not a contour
    boundary = trace(page, "plot-plane2d", "decision boundary")
    assert boundary["x"].count(None) == len(function["boundary"]) > 0
    assert page.locator("#plot-fit1d").is_hidden()
    page.screenshot(path=screenshots / "2d-circle.png", full_page=True)

    page.check("#toggle-regions")
    outlines = trace(page, "plot-plane2d", "region outlines")
    assert outlines["x"].count(None) == len(function["polygons"]) > 0
    page.locator("#views").screenshot(path=screenshots / "2d-linear-regions.png")


def test_without_exact_regions_the_grid_colours_them_and_a_contour_bounds(page, server):
    open_playground(page, server.url, "#dataset=circle&features=x1_squared")
    page.wait_for_selector('#plot-plane2d[data-heatmap="1"]')
    page.click("#step")
    wait_paused_at(page, 10)
    types = page.evaluate("document.getElementById('plot-plane2d').data.map(t => t.type)")
    assert page.get_attribute("#plot-plane2d", "data-surface") == "probability"
    assert "contour" in types
    page.check("#toggle-regions")
    assert page.get_attribute("#plot-plane2d", "data-surface") == "regions"
    regions = page.evaluate("document.getElementById('plot-plane2d').surface.text")
    function = api(server.url).get(f"/api/runs/{run_id(page)}/function").json()
    assert function["polygons"] is None
    assert regions == function["regions"], "the region colouring is not the server's region map"


def _scale_colour(stops: list, t: float) -> tuple[int, ...]:
    """The colour at t in [0, 1] of a Plotly-style scale [[t, "#rrggbb"], ...], in RGB."""
    for (t0, c0), (t1, c1) in zip(stops, stops[1:], strict=False):
        if t <= t1:
            a = (t - t0) / (t1 - t0) if t1 > t0 else 0.0
            return tuple(round(int(c0[k:k + 2], 16) * (1 - a) + int(c1[k:k + 2], 16) * a)
                         for k in (1, 3, 5))
    return tuple(int(stops[-1][1][k:k + 2], 16) for k in (1, 3, 5))


def test_the_painted_surface_shows_the_servers_probabilities_in_the_scale(page, server):
    """The canvas under the 2-D plot: at grid points, its pixels are P(y=1) of GET .../function
    in the page's probability scale, at the heatmap's opacity."""
    open_playground(page, server.url, "#dataset=circle&n_points=100&hidden_units=8&seed=2")
    page.click("#step")
    wait_paused_at(page, 10)
    function = api(server.url).get(f"/api/runs/{run_id(page)}/function").json()
    stops = page.evaluate("import('/js/views/palette.js').then((m) => m.PROBABILITY_SCALE)")
    xs, ys, z = function["x"], function["y"], function["z"]
    checked = 0
    for i in range(3, len(ys) - 3, 9):
        for j in range(3, len(xs) - 3, 9):
            pixel = page.evaluate("""([u, v]) => {
                const el = document.getElementById('plot-plane2d');
                const canvas = el.querySelector('canvas.plane-surface');
                const [xa, ya] = [el._fullLayout.xaxis, el._fullLayout.yaxis];
                const px = (u - xa.range[0]) / (xa.range[1] - xa.range[0]) * canvas.width;
                const py = (1 - (v - ya.range[0]) / (ya.range[1] - ya.range[0])) * canvas.height;
                return Array.from(canvas.getContext('2d').getImageData(px, py, 1, 1).data);
            }""", [xs[j], ys[i]])
            expected = _scale_colour(stops, z[i][j])
            close = all(abs(a - b) <= 6 for a, b in zip(pixel[:3], expected, strict=True))
            assert close, (i, j, pixel, expected)
            assert abs(pixel[3] - round(0.85 * 255)) <= 2
            checked += 1
    assert checked >= 16


def _click_plot_area(page, element_id: str, fx: float, fy: float) -> tuple[float, float]:
    """Click at a fraction (fx, fy) of a chart's axes; returns the data coordinates there.

    A click lands on whole pixels, so the point the page adds is within about a pixel (< 0.03 in
    data units here) of the returned coordinates.
    """
    page.wait_for_timeout(300)  # let a resize after a snapshot settle before measuring
    box = page.evaluate(
        """([id, fx, fy]) => {
            const el = document.getElementById(id), xa = el._fullLayout.xaxis;
            const ya = el._fullLayout.yaxis, r = el.getBoundingClientRect();
            const px = xa._length * fx, py = ya._length * fy;
            return {x: r.left + xa._offset + px, y: r.top + ya._offset + py,
                    dx: xa.p2l(px), dy: ya.p2l(py)};
        }""",
        [element_id, fx, fy],
    )
    page.mouse.click(box["x"], box["y"])
    return box["dx"], box["dy"]


def _all_points(data: dict) -> list[tuple[list[float], float]]:
    return [(x, y) for split in ("train", "test")
            for x, y in zip(data[split]["x"], data[split]["y"], strict=True)]


def test_a_custom_point_added_by_clicking_reaches_the_server(page, server, screenshots):
    open_playground(page, server.url)
    client = api(server.url)
    count = snapshots(page)
    page.select_option("#dataset", "custom_1d")
    wait_snapshot_after(page, count)
    page.wait_for_selector("#custom-panel:not([hidden])")
    before = _all_points(client.get(f"/api/runs/{run_id(page)}/data").json())

    count = snapshots(page)
    x, y = _click_plot_area(page, "plot-fit1d", 0.62, 0.2)
    wait_snapshot_after(page, count)
    after = _all_points(client.get(f"/api/runs/{run_id(page)}/data").json())
    assert len(after) == len(before) + 1
    assert any(abs(px[0] - x) < 0.03 and abs(py - y) < 0.03 for px, py in after), (x, y, after)
    assert "points=" in page.url
    page.click("#play")
    wait_step_at_least(page, 200)
    pause(page)
    page.screenshot(path=screenshots / "custom-1d.png", full_page=True)

    count = snapshots(page)
    page.select_option("#dataset", "custom_2d")
    wait_snapshot_after(page, count)
    page.check('#custom-class input[value="1"]', force=True)
    count = snapshots(page)
    x, y = _click_plot_area(page, "plot-plane2d", 0.25, 0.25)
    wait_snapshot_after(page, count)
    points = _all_points(client.get(f"/api/runs/{run_id(page)}/data").json())
    assert any(abs(p[0] - x) < 0.03 and abs(p[1] - y) < 0.03 and label == 1
               for p, label in points), (x, y, points)

    page.click("summary:has-text('Add a point by typing')")  # the keyboard way
    for box, value in (("#custom-x1", "0.3"), ("#custom-x2", "-0.7"), ("#custom-y", "0")):
        page.fill(box, value)
    count = snapshots(page)
    page.click("#custom-add")
    wait_snapshot_after(page, count)
    points = _all_points(client.get(f"/api/runs/{run_id(page)}/data").json())
    assert any(p == pytest.approx([0.3, -0.7]) and label == 0 for p, label in points), points


def _open_lesson(page, lesson: str) -> None:
    count = snapshots(page)
    page.select_option("#lesson", lesson)
    wait_snapshot_after(page, count)
    assert f"lesson={lesson}" in page.url


def test_lessons_show_their_idea(page, server, screenshots):
    open_playground(page, server.url)

    _open_lesson(page, "large_lr")
    page.click("#play")
    page.wait_for_selector('#banner[data-key="diverged"]', timeout=20_000)
    assert "diverged" in page.locator("#banner").inner_text()
    assert run(page)["status"] == "diverged"
    page.screenshot(path=screenshots / "lesson-diverged.png", full_page=True)
    count = snapshots(page)
    page.locator("#banner button", has_text="Reset with").click()
    wait_snapshot_after(page, count)
    page.wait_for_function("window.playground.run.config.training.learning_rate < 1")
    page.wait_for_selector("#banner", state="hidden")

    _open_lesson(page, "linear_regression")
    assert page.is_checked("#toggle-baseline")
    page.click("#play")
    wait_step_at_least(page, 500)
    pause(page)
    assert page.locator("#units-caption").inner_text().startswith("No hidden layer")
    page.locator("#views").screenshot(path=screenshots / "lesson-linear-regression.png")

    for lesson in ("bernoulli", "depth", "sgd_noise"):
        _open_lesson(page, lesson)
        page.click("#play")
        wait_step_at_least(page, 300)
        pause(page)
        page.locator("#views").screenshot(path=screenshots / f"lesson-{lesson}.png")
    assert run(page)["config"]["training"]["batch_size"] == 4


def test_digits_show_a_confusion_matrix_and_samples(page, server, screenshots):
    open_playground(page, server.url, "#dataset=digits&hidden_units=32&n_points=600")
    page.wait_for_selector('body[data-mode="digits"]')
    page.click("#play")
    wait_step_at_least(page, 150)
    pause(page)
    confusion = page.evaluate("document.getElementById('plot-confusion').data[0].text")
    assert len(confusion) == 10 and all(len(row) == 10 for row in confusion)
    test_size = len(api(server.url).get(f"/api/runs/{run_id(page)}/data").json()["test"]["y"])
    assert sum(map(sum, confusion)) == test_size
    assert page.locator("#digit-samples figure").count() > 0
    assert page.locator('[data-stat="accuracy"]').inner_text().endswith("%")
    page.screenshot(path=screenshots / "digits.png", full_page=True)


def test_every_dataset_draws_without_errors(page, server):
    """Switch through every dataset the server offers; the page fixture fails on console errors."""
    open_playground(page, server.url)
    options = api(server.url).get("/api/options").json()
    for info in options["datasets"]:
        if info["name"] == run(page)["config"]["dataset"]["name"]:
            continue  # choosing the current dataset again changes nothing
        count = snapshots(page)
        page.select_option("#dataset", info["name"])
        wait_snapshot_after(page, count)
        mode = {1: "1d", 2: "2d"}.get(info["inputs"], "digits")
        page.wait_for_selector(f'body[data-mode="{mode}"][data-task="{info["task"]}"]')
        page.click("#play")  # play a moment, then pause: frames of every kind are drawn
        page.wait_for_function("window.playground.run.step > 20", timeout=20_000)
        pause(page)
    page.click("#lesson-next")
    page.wait_for_function("location.hash.includes('lesson=three_kinks')")
