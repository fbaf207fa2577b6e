"""My runs: the runs this browser made, listed with what the server has for them; rename (kept
when the page moves to another lesson), open, fork and delete, each checked against the REST API."""

from __future__ import annotations

import pytest

from tests.e2e.pagetools import TIMEOUT_MS, api, open_playground, run_id, stepped

pytestmark = pytest.mark.e2e


def rows(page) -> list[dict]:
    return page.eval_on_selector_all("#myruns-list li.myrun", """items => items.map(item => ({
        id: item.dataset.runId, current: item.dataset.current === "1",
        title: item.querySelector('.myrun-title')?.textContent,
        meta: [...item.querySelectorAll('.myrun-meta')].map(p => p.textContent)}))""")


def wait_rows(page, count: int) -> list[dict]:
    page.wait_for_function(f"document.querySelectorAll('#myruns-list li.myrun').length === {count}",
                           timeout=TIMEOUT_MS)
    return rows(page)


def row(page, run: str):
    return page.locator(f'#myruns-list li[data-run-id="{run}"]')


def test_name_switch_open_fork_and_delete(page, server):
    client = api(server.url)
    open_playground(page, server.url, "#dataset=abs&hidden_units=4")
    stepped(page, 10)
    first = run_id(page)
    page.click("#myruns")
    [only] = wait_rows(page, 1)
    assert only["id"] == first and only["current"]
    assert "step 10" in only["meta"][0]

    row(page, first).get_by_role("button", name="Rename").click()
    page.get_by_label("New name for").fill("my abs fit")
    page.get_by_label("New name for").press("Enter")
    page.wait_for_function("document.querySelector('#myruns-list .myrun-title')?.textContent"
                           " === 'my abs fit'", timeout=TIMEOUT_MS)
    assert client.get(f"/api/runs/{first}").json()["title"] == "my abs fit"

    page.select_option("#lesson", index=2)  # another lesson: a new run; the named one stays
    page.wait_for_function(f"window.playground.run.id !== '{first}'", timeout=TIMEOUT_MS)
    second = run_id(page)
    listed = wait_rows(page, 2)
    assert [r["id"] for r in listed] == [second, first]
    assert client.get(f"/api/runs/{first}").json()["step"] == 10

    row(page, first).get_by_role("button", name="Open").click()
    page.wait_for_function(f"window.playground.run.id === '{first}'", timeout=TIMEOUT_MS)
    page.wait_for_function("window.playground.run.step === 10", timeout=TIMEOUT_MS)
    assert client.get(f"/api/runs/{second}").status_code == 200  # opening keeps the other

    row(page, first).get_by_role("button", name="Fork").click()
    listed = wait_rows(page, 3)
    copy = listed[0]
    assert copy["id"] not in (first, second)
    assert copy["title"] == "my abs fit (copy)"
    assert "copied from my abs fit at step 10" in copy["meta"]
    assert client.get(f"/api/runs/{copy['id']}").json()["parent"] == {"id": first, "step": 10}

    assert row(page, first).get_by_role("button", name="Delete").is_disabled()  # shown here
    delete = row(page, second).get_by_role("button", name="Delete")
    delete.click()
    assert client.get(f"/api/runs/{second}").status_code == 200  # one click only arms it
    row(page, second).get_by_role("button", name="Sure? Delete").click()
    wait_rows(page, 2)
    assert client.get(f"/api/runs/{second}").status_code == 404


def test_a_run_the_server_no_longer_has_is_forgotten_and_said(page, server):
    open_playground(page, server.url, "#dataset=abs&hidden_units=4")
    first = run_id(page)
    page.select_option("#lesson", index=2)  # unnamed: the page deletes it when it moves on
    page.wait_for_function(f"window.playground.run.id !== '{first}'", timeout=TIMEOUT_MS)
    assert api(server.url).get(f"/api/runs/{first}").status_code == 404
    second = run_id(page)
    page.select_option("#lesson", index=3)
    page.wait_for_function(f"window.playground.run.id !== '{second}'", timeout=TIMEOUT_MS)
    third = run_id(page)
    page.evaluate("""() => {  // a run this browser remembers that the server lost
        const list = JSON.parse(localStorage.getItem('nn-playground.my-runs'));
        localStorage.setItem('nn-playground.my-runs',
          JSON.stringify([{id: 'no-longer-there', at: 1}, ...list]));
    }""")
    page.click("#myruns")
    assert [r["id"] for r in wait_rows(page, 1)] == [third]
    page.wait_for_function("document.querySelector('#myruns-status').textContent"
                           ".includes('1 run was gone')", timeout=TIMEOUT_MS)
    stored = page.evaluate(
        "JSON.parse(localStorage.getItem('nn-playground.my-runs')).map(e => e.id)")
    assert stored == [third]
