"""The page at a laptop's 1366x768 and a projector's 1920x1080: what fits on the first screen.

Screenshots go to test-output/screenshots/screen-<state>-<width>.png for a person to look at; the
assertions hold what a glance needs: no sideways scrolling, the transport and the main chart in the
first screen, the lesson's "try it" readable, nothing overlapping the charts.
"""

from __future__ import annotations

import pytest

from tests.e2e.pagetools import TIMEOUT_MS, open_playground, wait_paused_at

pytestmark = pytest.mark.e2e

SIZES = [(1366, 768), (1920, 1080)]
STATES = {
    "first-lesson": ("", 1000),
    "universal": ("#lesson=universal", 3000),
    "bernoulli": ("#lesson=bernoulli", 1000),
    "blobs": ("#dataset=blobs", 500),
    "diverged": ("#lesson=large_lr", None),
}


def _box(page, selector: str) -> dict:
    return page.evaluate(f"""(() => {{ const r = document.querySelector('{selector}')
        .getBoundingClientRect(); return {{top: r.top, bottom: r.bottom, left: r.left,
        right: r.right}}; }})()""")


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_the_first_screen_shows_the_run_at_a_glance(browser, server, screenshots, size):
    width, height = size
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        for name, (hash_, steps) in STATES.items():
            page = context.new_page()  # a fresh tab per state: each link opened as a student would
            open_playground(page, server.url, hash_)
            if steps is None:
                page.click("#play")
                page.wait_for_function("window.playground.run.status === 'diverged'",
                                       timeout=TIMEOUT_MS)
            else:
                page.select_option("#step-size", "100")
                for done in range(100, steps + 1, 100):
                    page.click("#step")
                    wait_paused_at(page, done)
            page.wait_for_timeout(400)  # let Plotly settle after the last frame
            page.screenshot(path=screenshots / f"screen-{name}-{width}.png")
            if name == "first-lesson":
                page.screenshot(path=screenshots / f"screen-full-page-{width}.png", full_page=True)

            assert page.evaluate("document.documentElement.scrollWidth") <= width, name
            assert _box(page, "#play")["bottom"] <= height
            main = _box(page, "#plot-plane2d" if name == "blobs" else "#plot-fit1d")
            shown = min(main["bottom"], height) - main["top"]
            assert shown >= 0.9 * (main["bottom"] - main["top"]), (name, main, height)
            assert _box(page, "#lesson-try")["bottom"] <= height, name
            loss = _box(page, "#plot-loss")
            assert loss["left"] >= main["right"] or loss["top"] >= main["bottom"], name
            page.close()
    finally:
        context.close()
