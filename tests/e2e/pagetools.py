"""Helpers for driving the playground page in the browser tests and asking the server directly.

They read what the page exposes on purpose (window.playground, data-* attributes, Plotly's own
trace data, a canvas chart's `drawn`) and never reach into the page's modules.
"""

from __future__ import annotations

from typing import Any

import httpx

TIMEOUT_MS = 20_000


def open_playground(page, base_url: str, hash_: str = "") -> None:
    """Load the page (optionally with a config hash) and wait for its first snapshot."""
    page.goto(f"{base_url}/{hash_}")
    page.wait_for_function("window.playground && window.playground.snapshots >= 1",
                           timeout=TIMEOUT_MS)


def snapshots(page) -> int:
    return page.evaluate("window.playground.snapshots")


def wait_snapshot_after(page, count: int) -> None:
    """Wait for a snapshot newer than `count` (a rebuild or reset reached the page)."""
    page.wait_for_function(f"window.playground.snapshots > {count}", timeout=TIMEOUT_MS)


def run(page) -> dict[str, Any]:
    """The Run object the page last drew."""
    return page.evaluate("window.playground.run")


def run_id(page) -> str:
    return page.evaluate("window.playground.run.id")


def wait_step_at_least(page, step: int) -> None:
    page.wait_for_function(f"window.playground.run.step >= {step}", timeout=TIMEOUT_MS)


def wait_paused_at(page, step: int) -> None:
    """Wait until the page shows the run paused at exactly `step` (after a Step click)."""
    page.wait_for_function(
        f"window.playground.run.step === {step} && window.playground.run.status === 'paused'",
        timeout=TIMEOUT_MS)


def set_field(page, key: str, value: Any) -> None:
    """Type a value into a settings field and leave it, as a person would (fires `change`)."""
    box = page.locator(f"#{key}")
    box.fill(str(value))
    box.press("Tab")


def pause(page) -> None:
    if run(page)["status"] == "running":
        page.click("#play")
    page.wait_for_function("window.playground.run.status !== 'running'", timeout=TIMEOUT_MS)


def trace(page, element_id: str, name: str) -> dict[str, Any] | None:
    """A Plotly trace of a chart by name (x and y as lists), or None."""
    return page.evaluate(
        """([id, name]) => {
            const t = (document.getElementById(id).data || []).find((d) => d.name === name);
            return t ? {x: Array.from(t.x || []), y: Array.from(t.y || [])} : null;
        }""",
        [element_id, name],
    )


def drawn(page, element_id: str) -> list[dict[str, Any]]:
    """The panels a canvas chart drew (its element's `drawn.panels`, js/views/units.js), each with
    its canvas's CSS `width`/`height` and backing `pixels` [width, height]; [] if none."""
    return page.evaluate(
        """(id) => {
            const el = document.getElementById(id);
            const canvases = el.querySelectorAll('canvas');
            return ((el.drawn || {}).panels || []).map((p, i) => {
                const box = canvases[i].getBoundingClientRect();
                return {...p, width: box.width, height: box.height,
                        pixels: [canvases[i].width, canvases[i].height]};
            });
        }""",
        element_id,
    )


def api(base_url: str) -> httpx.Client:
    return httpx.Client(base_url=base_url, timeout=30)


def stepped(page, steps: int = 10, at: int | None = None) -> None:
    """Press Step with `steps` per press and wait until the run is paused at `at` (default
    `steps`: a fresh run's first press)."""
    page.select_option("#step-size", str(steps))
    page.click("#step")
    wait_paused_at(page, steps if at is None else at)


def rest(server, page, what: str) -> dict:
    """GET /api/runs/<the page's run>/<what> from `server` (a LiveServer), as JSON."""
    return api(server.url).get(f"/api/runs/{run_id(page)}/{what}").json()
