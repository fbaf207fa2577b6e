"""Browser fixtures: one live server per session, one headless chromium per module, a page per test.

Every page records console errors and uncaught exceptions; a test fails if any appeared. Never
downloads a browser (playwright drives /usr/bin/chromium) and never uses pytest-playwright.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.live_server import ROOT, LiveServer, live_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = ROOT / "test-output" / "screenshots"
VIEWPORT = {"width": 1440, "height": 1000}


@pytest.fixture(scope="session")
def server() -> Iterator[LiveServer]:
    with live_server() as running:
        yield running


@pytest.fixture(scope="module")
def browser():
    # Module scope: playwright's sync API keeps an asyncio loop running in this thread while it is
    # started, which breaks asyncio tests that run after it; stopping it per module ends that loop.
    from playwright import sync_api

    if not (Path(CHROMIUM).exists() or shutil.which("chromium")):
        pytest.fail("Debian chromium is not installed: run `make browser` (make test does)")
    playwright = sync_api.sync_playwright().start()
    launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                          args=CHROMIUM_ARGS)
    try:
        yield launched
    finally:
        launched.close()
        playwright.stop()


class Problems(list):
    """Console errors and page exceptions seen by one page."""


@contextlib.contextmanager
def tracked_page(browser) -> Iterator:
    """A page in a fresh context (its own storage, like another machine) that records problems;
    fails the test if any appeared. Close the page early to test what a closed tab does."""
    context = browser.new_context(viewport=VIEWPORT)
    tab = context.new_page()
    problems = Problems()
    tab.on("console",
           lambda m: problems.append(f"console: {m.text}") if m.type == "error" else None)
    tab.on("pageerror", lambda error: problems.append(f"pageerror: {error}"))
    tab.problems = problems
    try:
        yield tab
    finally:
        context.close()
    assert not problems, f"the page logged errors: {problems}"


@pytest.fixture
def page(browser) -> Iterator:
    with tracked_page(browser) as tab:
        yield tab


@pytest.fixture
def other_page(browser) -> Iterator:
    """A second tab in its own context: a classmate's laptop or the instructor's projector."""
    with tracked_page(browser) as tab:
        yield tab


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
