"""The shared live view in real browsers: a `#watch=<run id>` link joins an existing run (no new
run, the same frames, steering that the owner sees, nothing deleted when the watcher leaves), says
so when the run is gone, and can fork the run into the watcher's own. REST is the reference.
"""

from __future__ import annotations

import pytest

from tests.e2e.pagetools import (
    TIMEOUT_MS,
    api,
    open_playground,
    run,
    run_id,
    wait_paused_at,
    wait_step_at_least,
)

pytestmark = pytest.mark.e2e


def _share_link(page, base_url: str) -> str:
    """Click "Share live view" and return the link it shows, as a hash to open."""
    page.click("#share")
    link = page.locator("#share-url").input_value()
    assert link == f"{base_url}/#watch={run_id(page)}"
    return link[len(base_url) + 1:]


def _watching(page) -> bool:
    return page.evaluate("document.body.dataset.watching") == "1"


def test_a_watch_link_shows_and_steers_the_same_run(page, other_page, server, screenshots):
    client = api(server.url)
    open_playground(page, server.url)
    shared, config = run_id(page), run(page)["config"]
    link = _share_link(page, server.url)
    page.locator(".sidebar").screenshot(path=screenshots / "share-link.png")
    runs_before = client.get("/api/health").json()["runs"]
    page.click("#play")
    wait_step_at_least(page, 50)

    open_playground(other_page, server.url, link)
    assert run_id(other_page) == shared
    assert client.get("/api/health").json()["runs"] == runs_before, "watching created a run"
    assert _watching(other_page) and other_page.locator("#watch-bar").is_visible()
    assert other_page.locator("#hidden_units").is_disabled()
    assert other_page.locator("#hidden_units").input_value() == str(config["model"]["hidden_units"])
    assert run(other_page)["config"] == config
    other_page.wait_for_function("location.hash.includes('watch=')", timeout=TIMEOUT_MS)
    assert f"watch={shared}" in other_page.url and "hidden_units=" in other_page.url

    start = run(other_page)["step"]
    wait_step_at_least(other_page, start + 200)
    wait_step_at_least(page, start + 200)
    other_page.screenshot(path=screenshots / "watching.png")

    other_page.click("#play")  # it reads "Pause": the watcher pauses the owner's run
    page.wait_for_function("window.playground.run.status === 'paused'", timeout=TIMEOUT_MS)
    remote = client.get(f"/api/runs/{shared}").json()
    assert remote["status"] == "paused"
    wait_paused_at(page, remote["step"])
    wait_paused_at(other_page, remote["step"])

    other_page.close()  # a watcher leaving must not free the owner's run
    page.wait_for_timeout(500)
    assert client.get(f"/api/runs/{shared}").status_code == 200
    page.click("#step")  # and the owner's page still steers it
    wait_paused_at(page, remote["step"] + 10)


def test_a_watcher_is_told_when_the_run_is_deleted(page, other_page, server, screenshots):
    open_playground(page, server.url)
    shared, config = run_id(page), run(page)["config"]
    open_playground(other_page, server.url, _share_link(page, server.url))
    assert run_id(other_page) == shared

    assert api(server.url).delete(f"/api/runs/{shared}").status_code == 204
    banner = other_page.locator('#banner[data-key="gone"]')
    banner.wait_for(timeout=TIMEOUT_MS)
    assert "this run no longer exists" in banner.inner_text().lower()
    other_page.screenshot(path=screenshots / "watch-gone.png")

    banner.locator("button", has_text="Start my own with its settings").click()
    other_page.wait_for_function(f"window.playground.run.id !== '{shared}'", timeout=TIMEOUT_MS)
    assert run(other_page)["config"] == config
    assert not _watching(other_page) and "watch=" not in other_page.url
    assert other_page.locator("#hidden_units").is_enabled()


def test_make_my_own_copy_continues_from_the_watched_step(page, other_page, server):
    client = api(server.url)
    open_playground(page, server.url)
    page.select_option("#step-size", "100")
    page.click("#step")
    wait_paused_at(page, 100)
    shared = run_id(page)
    open_playground(other_page, server.url, _share_link(page, server.url))

    other_page.click("#watch-own")
    other_page.wait_for_function(f"window.playground.run.id !== '{shared}'", timeout=TIMEOUT_MS)
    copy = run_id(other_page)
    assert client.get(f"/api/runs/{copy}").json()["step"] == 100
    assert (client.get(f"/api/runs/{copy}/weights").json()
            == client.get(f"/api/runs/{shared}/weights").json())
    assert not _watching(other_page)
    other_page.click("#step")  # the copy trains on its own; the shared run stays at 100
    wait_paused_at(other_page, 110)
    assert client.get(f"/api/runs/{shared}").json()["step"] == 100


def test_a_watch_link_to_an_unknown_run_offers_a_run_of_ones_own(page, server):
    page.goto(f"{server.url}/#watch=no-such-run")
    banner = page.locator('#banner[data-key="gone"]')
    banner.wait_for(timeout=TIMEOUT_MS)
    assert "this run no longer exists" in banner.inner_text().lower()
    banner.locator("button", has_text="Start my own").click()
    page.wait_for_function("window.playground.snapshots >= 1", timeout=TIMEOUT_MS)
    assert not _watching(page)
    assert "lesson=three_kinks" in page.url  # no known config: the default lesson

    client = api(server.url)  # a watch link pasted into the open tab: it joins, frees its own run
    own, other = run_id(page), client.post("/api/runs", json={}).json()["id"]
    page.goto(f"{server.url}/#watch={other}")
    page.wait_for_function(f"window.playground.run.id === '{other}'", timeout=TIMEOUT_MS)
    assert _watching(page)
    assert client.get(f"/api/runs/{own}").status_code == 404
    client.delete(f"/api/runs/{other}")


def test_a_watcher_cannot_set_weights_by_hand_and_is_told_why(page, other_page, server):
    shallow = "#dataset=sine&n_points=60&hidden_units=3&depth=1&init=he&seed=4"
    client = api(server.url)
    open_playground(page, server.url, shallow)
    shared = run_id(page)
    page.click("#step")
    wait_paused_at(page, 10)
    before = client.get(f"/api/runs/{shared}/weights").json()
    open_playground(other_page, server.url, _share_link(page, server.url))
    assert run_id(other_page) == shared

    card = other_page.locator("#byhand-card")
    assert card.get_attribute("data-locked") == "1"
    assert "watching a shared run" in card.locator(".byhand-note").inner_text()
    assert card.locator('input[type="range"]').first.is_disabled()
    note = other_page.locator("#network-edit-note")
    assert note.is_visible() and "watching a shared run" in note.inner_text()
    other_page.locator("#network-diagram g[data-kind=edge] line.edge-hit").first.click(force=True)
    assert other_page.locator("#network-editor").is_hidden()
    assert client.get(f"/api/runs/{shared}/weights").json() == before

    owner = page.locator("#byhand-card")  # the owner still sets them
    assert owner.get_attribute("data-locked") == "0"
    assert not owner.locator('input[type="range"]').first.is_disabled()
