"""What drawing costs in a real browser: 1-D 8-unit runs and a 2-D run (bench.page.NETS) played for
~10 s with every view of their kind shown; long tasks (PerformanceObserver 'longtask') and each
view's update() time (the page's opt-in timing hook) are recorded and printed (pytest -s). The page
must keep drawing: frames drawn per second above a modest floor, every view updated, the run still
advancing, and the 1-D unit panels (canvases) well below what they cost as Plotly subplots.
"""

from __future__ import annotations

import statistics
import sys

import pytest

from bench.page import LONG_TASKS, NETS, measure

pytestmark = pytest.mark.e2e

SECONDS = 10
MIN_FRAMES_PER_SECOND = 1.0  # a 2-core machine shared with others; the bench prints the figures
# The 1-D unit panels on canvases: ~5 ms per update here (14 ms with the machine's load at 12);
# as Plotly SVG subplots they cost 117-144 ms, so this bound fails if they go back to that.
MAX_UNITS_MEDIAN_MS = 40.0


@pytest.mark.parametrize("name", list(NETS))
def test_the_page_keeps_drawing_while_a_run_plays(page, server, name):
    page.add_init_script(LONG_TASKS)
    report = measure(page, server.url, NETS[name], SECONDS)
    views = report["views"]
    long_tasks = report["long_tasks"]
    sys.stdout.write(f"\n{name}: {report['frames_per_second']:.1f} frames/s, "
                     f"{len(long_tasks)} long tasks ({sum(long_tasks):.0f} ms)\n")
    for view, times in sorted(views.items()):
        sys.stdout.write(f"  {view:<14} median {statistics.median(times):7.2f} ms, "
                         f"max {max(times):7.2f} ms over {len(times)} updates\n")
    assert report["frames_per_second"] >= MIN_FRAMES_PER_SECOND, report["frames_per_second"]
    expected = {"LossView", "StatsView", "CaptionView", "NetworkView"} | (
        {"Fit1dView", "UnitsView"} if name.startswith("1-D") else {"Plane2dView", "Units2dView"})
    assert expected <= set(views), sorted(views)
    assert all(len(views[v]) == report["frames"] for v in expected)  # every view drew every frame
    assert report["steps"] > 100  # training went on while the page drew
    if "UnitsView" in expected:
        assert statistics.median(views["UnitsView"]) <= MAX_UNITS_MEDIAN_MS, views["UnitsView"]
