"""The "Loss landscape" card in a real browser against the real server: it draws the contour map,
the path grows while the run plays, the current point sits at the centre (the run's weights: the
REST weights' beta_0, beta_1 for linear regression, (0, 0) in a random slice) with the run's
training loss, and the two-parameter model gets its arrows (screenshot: landscape-linear.png)."""

from __future__ import annotations

import pytest

from tests.e2e.pagetools import TIMEOUT_MS, open_playground, pause, rest, run, trace

pytestmark = pytest.mark.e2e

LINEAR = "#dataset=noisy_line&n_points=80&depth=0&optimizer=momentum&learning_rate=0.05&pace=20"
NET = "#dataset=sine&n_points=100&hidden_units=16&depth=1&pace=40"


def drawn(page) -> dict:
    return page.evaluate("document.getElementById('plot-landscape').drawn || null")


def show_card(page) -> None:
    page.locator("#landscape-card").scroll_into_view_if_needed()
    page.wait_for_function("(document.getElementById('plot-landscape').drawn || null) !== null",
                           timeout=TIMEOUT_MS)


def wait_path_longer(page, length: int) -> None:
    page.wait_for_function(
        f"Number(document.getElementById('plot-landscape').dataset.path || 0) > {length}",
        timeout=TIMEOUT_MS)


def played_and_drawn(page, points: int) -> dict:
    """Play until the path has more than `points` points, pause, and return the card's drawing of
    the paused step."""
    page.click("#play")
    wait_path_longer(page, points)
    pause(page)
    step = run(page)["step"]
    page.wait_for_function(
        f"(document.getElementById('plot-landscape').drawn || {{}}).step === {step}",
        timeout=TIMEOUT_MS)
    return drawn(page)


def test_linear_regression_path_grows_on_the_exact_surface(page, server, screenshots):
    open_playground(page, server.url, LINEAR)
    show_card(page)
    first = drawn(page)
    assert first["kind"] == "parameters"
    now = played_and_drawn(page, 5)
    assert len(now["path"]["step"]) > len(first["path"]["step"])
    (layer,) = rest(server, page, "weights")["layers"]
    assert now["centre"] == pytest.approx([layer["bias"][0], layer["weight"][0][0]], abs=1e-9)
    star = trace(page, "plot-landscape", "now")
    assert star["x"][0] == pytest.approx(now["centre"][0]) and star["y"][0] == pytest.approx(
        now["centre"][1])
    mid = len(now["x"]) // 2
    assert now["x"][mid] == pytest.approx(now["centre"][0])  # the star sits at the grid's centre
    assert now["y"][mid] == pytest.approx(now["centre"][1])
    path = trace(page, "plot-landscape", "path")
    assert path["x"][-1] == pytest.approx(now["centre"][0])
    assert now["centre_loss"] == pytest.approx(run(page)["train_loss"], rel=1e-5)
    names = [a["name"] for a in now["arrows"]]
    assert names == ["gradient", "velocity"]
    page.locator("#landscape-card").screenshot(path=screenshots / "landscape-linear.png")


def test_a_net_is_sliced_through_its_weights_and_pca_follows_its_path(page, server):
    open_playground(page, server.url, NET)
    show_card(page)
    assert drawn(page)["kind"] == "random"
    now = played_and_drawn(page, 4)
    assert now["centre"] == [0, 0] and now["path"]["x"][-1] == pytest.approx(0, abs=1e-6)
    assert now["centre_loss"] == pytest.approx(run(page)["train_loss"], rel=1e-5)
    assert now["arrows"] == []
    page.select_option("#landscape-card .landscape-directions", "pca")
    page.wait_for_function("document.getElementById('plot-landscape').dataset.kind === 'pca'",
                           timeout=TIMEOUT_MS)
    pca = drawn(page)
    reach = max(abs(v) for v in pca["path"]["x"] + pca["path"]["y"])
    assert reach <= max(pca["x"]) and len(pca["path"]["x"]) == len(now["path"]["x"])
