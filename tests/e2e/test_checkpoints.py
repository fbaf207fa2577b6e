"""Checkpoints in a real browser: "Save checkpoint" downloads the server's file, "Load checkpoint"
turns it back into a run that the page streams from the saved step; a bad file shows the server's
message and keeps the run. The server's REST answers (/weights, GET run, a direct import) are the
reference.
"""

from __future__ import annotations

import re

import pytest
import torch

from models.engine.checkpoint import load_run
from tests.e2e.pagetools import (
    TIMEOUT_MS,
    api,
    open_playground,
    run,
    run_id,
    wait_paused_at,
)

pytestmark = pytest.mark.e2e

# The one console error a refused upload causes: chromium reports the failed request itself.
REFUSED_UPLOAD = re.compile(r"Failed to load resource: .*status of 422")


def test_save_then_load_a_checkpoint_continues_from_its_step(page, server, screenshots, tmp_path):
    open_playground(page, server.url)
    client = api(server.url)
    page.select_option("#step-size", "100")
    page.click("#step")
    wait_paused_at(page, 100)
    old_id = run_id(page)
    saved_weights = client.get(f"/api/runs/{old_id}/weights").json()

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Save checkpoint").click()
    download = download_info.value
    assert download.suggested_filename == "nn-playground-sine-step100.safetensors"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    # the server's own file (byte order of its JSON header may differ between two downloads)
    state = load_run(saved.read_bytes())
    reference = load_run(client.get(f"/api/runs/{old_id}/checkpoint").content)
    assert state.step == 100 and torch.equal(state.parameters, reference.parameters)

    page.click("#reset")
    wait_paused_at(page, 0)
    page.set_input_files("#checkpoint-file", saved)
    page.wait_for_function(f"window.playground.run.id !== '{old_id}'", timeout=TIMEOUT_MS)
    new_id = run_id(page)

    remote = client.get(f"/api/runs/{new_id}").json()
    assert remote["step"] == 100
    assert client.get(f"/api/runs/{new_id}/weights").json() == saved_weights
    assert client.get(f"/api/runs/{old_id}").status_code == 404, "the old run was not freed"
    assert page.locator('[data-stat="step"]').inner_text() == "100"
    assert run(page)["config"] == remote["config"]
    units = remote["config"]["model"]["hidden_units"]
    assert "lesson=" not in page.url and f"hidden_units={units}" in page.url
    notice = page.locator("#notice")
    assert notice.get_attribute("data-kind") == "loaded" and "step 100" in notice.inner_text()
    page.locator(".sidebar").screenshot(path=screenshots / "run-tools.png")

    page.click("#step")  # the stream is the new run's: stepping continues from 100, not from 0
    wait_paused_at(page, 200)
    assert client.get(f"/api/runs/{new_id}").json()["step"] == 200


def test_a_garbage_file_shows_the_servers_message_and_keeps_the_run(page, server, screenshots):
    open_playground(page, server.url)
    before = run_id(page)
    page.get_by_role("button", name="Save checkpoint").focus()
    page.keyboard.press("Tab")  # the file input is next in the tab order, under its own label
    assert page.evaluate("document.activeElement.id") == "checkpoint-file"
    page.locator(".run-tools").screenshot(path=screenshots / "load-checkpoint-focused.png")
    garbage = b"these are not the weights you are looking for" * 10
    page.get_by_label("Load checkpoint").set_input_files(files=[
        {"name": "notes.safetensors", "mimeType": "application/octet-stream", "buffer": garbage}])
    banner = page.locator('#banner[data-key="checkpoint"]')
    banner.wait_for(timeout=TIMEOUT_MS)
    reference = api(server.url).post("/api/runs/import", content=garbage,
                                     headers={"content-type": "application/octet-stream"})
    assert reference.status_code == 422
    assert reference.json()["detail"][0]["msg"] in banner.inner_text()
    assert "notes.safetensors" in banner.inner_text()
    page.screenshot(path=screenshots / "checkpoint-refused.png")

    assert run_id(page) == before
    page.click("#step")
    wait_paused_at(page, 10)
    assert api(server.url).get(f"/api/runs/{before}").json()["step"] == 10
    expected = [p for p in page.problems if REFUSED_UPLOAD.search(p)]
    assert len(expected) == 1, page.problems
    page.problems.remove(expected[0])  # the rest must be empty (checked when the page closes)
