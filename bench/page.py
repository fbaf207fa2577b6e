"""What drawing costs the page: a 1-D 8-unit run (one hidden layer, and three), and a 2-D 8-unit
run played for a while in headless Chromium against a live server, with every view of its kind
shown. Per view: the median and 90th percentile milliseconds of its update(), from the page's
opt-in timing hook (window.playgroundTiming, js/views/registry.js); per page: frames drawn per
second and the long tasks (PerformanceObserver 'longtask', main-thread tasks over 50 ms).
Figures, not pass/fail.
"""

from __future__ import annotations

import os
import statistics
import sys
from typing import Any

from tests.live_server import live_server

SECONDS = float(os.environ.get("BENCH_SECONDS", "8"))
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1440, "height": 1000}
NETS = {
    "1-D sine 1-8-1": "#dataset=sine&n_points=100&hidden_units=8&depth=1&seed=0",
    "1-D sine 1-8-8-8-1": "#dataset=sine&n_points=100&hidden_units=8&depth=3&seed=0",
    "2-D circle 2-8-1": "#dataset=circle&n_points=200&hidden_units=8&depth=1&seed=0",
}
LONG_TASKS = """
window.__longTasks = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) window.__longTasks.push(entry.duration);
}).observe({ type: "longtask", buffered: true });
"""


def measure(page, base_url: str, hash_: str, seconds: float) -> dict[str, Any]:
    """Open the page at `hash_`, play for `seconds` with timing on; the page's figures.

    Returns {seconds, frames, frames_per_second, steps, views: {name: [ms, ...]}, long_tasks:
    [ms, ...]}. The page must have been given LONG_TASKS as an init script."""
    page.goto(f"{base_url}/{hash_}")
    for _ in range(400):  # wait_for_function evaluates a string, which the page's CSP refuses
        if page.evaluate("Boolean(window.playground && window.playground.snapshots >= 1)"):
            break
        page.wait_for_timeout(50)
    page.wait_for_timeout(500)  # the first draws and resizes settle
    page.evaluate("window.__longTasks.length = 0; window.playgroundTiming.start()")
    first = page.evaluate("window.playground.run.step")
    page.click("#play")
    page.wait_for_timeout(seconds * 1000)
    report = page.evaluate("window.playgroundTiming.read()")
    report["long_tasks"] = page.evaluate("window.__longTasks.slice()")
    report["steps"] = page.evaluate("window.playground.run.step") - first
    page.click("#play")  # pause
    report["frames_per_second"] = report["frames"] / report["seconds"]
    return report


# The same planes the 2-D unit panels drew, as Plotly heatmap subplots (one per panel) in a
# detached-from-view div, redrawn with Plotly.react ten times with changed numbers: what the
# panels would cost drawn by Plotly instead of canvases.
PLOTLY_PANELS = """
async () => {
  const planes = Array.from(document.querySelectorAll('#units2d canvas')).map((c) => c.plane);
  const div = document.createElement('div');
  div.style.cssText = 'position:absolute;left:0;top:2000px;width:900px;height:900px';
  document.body.appendChild(div);
  const columns = Math.ceil(Math.sqrt(planes.length));
  const layout = {grid: {rows: Math.ceil(planes.length / columns), columns, pattern: 'independent'},
    showlegend: false, margin: {l: 10, r: 10, t: 10, b: 10}};
  planes.forEach((_, i) => {
    const s = i === 0 ? '' : String(i + 1);
    layout['xaxis' + s] = {visible: false};
    layout['yaxis' + s] = {visible: false};
  });
  const traces = (k) => planes.map((z, i) => ({
    type: 'heatmap', z: z.map((r) => r.map((v) => v * k)), showscale: false, zsmooth: 'best',
    xaxis: 'x' + (i ? i + 1 : ''), yaxis: 'y' + (i ? i + 1 : '')}));
  Plotly.newPlot(div, traces(1), layout, {staticPlot: true});
  const times = [];
  for (let k = 0; k < 10; k += 1) {
    const t = traces(1 + 0.01 * (k + 1));
    const start = performance.now();
    Plotly.react(div, t, layout);
    times.push(performance.now() - start);
  }
  Plotly.purge(div);
  div.remove();
  return {panels: planes.length, times};
}
"""


def row(name: str, values: list[float]) -> str:
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))] if ordered else float("nan")
    median = statistics.median(ordered) if ordered else float("nan")
    return f"  {name:<16} {len(values):>7} {median:>9.2f} {p90:>9.2f}"


def main() -> None:
    from playwright.sync_api import sync_playwright

    with live_server() as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
        try:
            sys.stdout.write(f"headless Chromium {browser.version}, {VIEWPORT['width']}x"
                             f"{VIEWPORT['height']}, {SECONDS:.0f} s of play per net, "
                             "default frame rate\n")
            only = os.environ.get("BENCH_PAGE_NETS")  # e.g. "1-D": only the nets named so
            for name, hash_ in NETS.items():
                if only and only not in name:
                    continue
                context = browser.new_context(viewport=VIEWPORT)
                page = context.new_page()
                page.add_init_script(LONG_TASKS)
                report = measure(page, server.url, hash_, SECONDS)
                if name.startswith("2-D"):
                    page.wait_for_timeout(500)
                    plotly = page.evaluate(PLOTLY_PANELS)
                    report["views"][f"(Plotly x{plotly['panels']})"] = plotly["times"]
                context.close()
                long_tasks = report["long_tasks"]
                sys.stdout.write(
                    f"\n{name}: {report['frames_per_second']:.1f} frames drawn/s, "
                    f"{report['steps'] / report['seconds']:,.0f} steps/s, {len(long_tasks)} long "
                    f"tasks ({sum(long_tasks):,.0f} ms, longest {max(long_tasks, default=0):.0f}"
                    " ms)\n")
                sys.stdout.write(f"  {'view':<16} {'updates':>7} {'median ms':>9} {'p90 ms':>9}\n")
                for view, values in sorted(report["views"].items()):
                    sys.stdout.write(row(view, values) + "\n")
                sys.stdout.flush()
        finally:
            browser.close()
