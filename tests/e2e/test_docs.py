"""/docs in a real browser with every other site unreachable: Swagger UI loads from this server,
renders the API under the server's CSP (any violation is a console error, which fails the test)
and can call the API from the page."""

from __future__ import annotations

import pytest

from tests.e2e.pagetools import TIMEOUT_MS

pytestmark = pytest.mark.e2e


def test_docs_work_offline_under_the_csp(page, server, screenshots) -> None:
    outside: list[str] = []

    def only_this_server(route) -> None:
        if route.request.url.startswith(server.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_this_server)
    page.goto(f"{server.url}/docs")
    page.wait_for_selector(".opblock-summary-path", timeout=TIMEOUT_MS)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/runs" in paths and "/api/runs/{run_id}/stream" not in paths

    health = page.locator(".opblock-get", has_text="/api/health")
    health.locator(".opblock-summary").click()
    health.locator("button.try-out__btn").click()
    health.locator("button.execute").click()
    status = health.locator(".live-responses-table tr.response .response-col_status")
    status.wait_for(timeout=TIMEOUT_MS)
    assert status.inner_text().strip() == "200"
    page.screenshot(path=screenshots / "docs.png")
    assert not outside, f"/docs reached for other sites: {outside}"
