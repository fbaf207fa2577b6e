"""Browser fixtures: one live server per session, one headless chromium per module, a page per test.

Every page records console errors and uncaught exceptions; a test fails if any appeared. Never
downloads a browser (playwright drives /usr/bin/chromium) and never uses pytest-playwright.
"""

from __future__ import annotations

import contextlib
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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


def wait_for_function_without_eval(page, expression: str, *, arg: Any = None,
                                   timeout: float | None = None, polling: Any = None) -> Any:
    """Page.wait_for_function, polled with page.evaluate. Playwright's own runs `eval(expression)`
    inside the page, which the page's CSP refuses (no 'unsafe-eval', on purpose); page.evaluate
    goes through the DevTools protocol, which the CSP does not cover."""
    from playwright.sync_api import Error, TimeoutError

    deadline = time.monotonic() + (30_000 if timeout is None else timeout) / 1000
    while True:
        try:
            result = page.evaluate(expression, arg)
        except Error as error:  # a navigation replaced the document: ask the new one
            if "context was destroyed" not in str(error) and "navigat" not in str(error):
                raise
            result = None
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"wait_for_function: {expression!r} still false after {timeout} ms")
        page.wait_for_timeout(polling if isinstance(polling, int | float) else 50)


@pytest.fixture(scope="session", autouse=True)
def _wait_without_eval() -> Iterator[None]:
    from playwright.sync_api import Page

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Page, "wait_for_function", wait_for_function_without_eval)
        yield


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
