"""A run's title ("My runs"): PATCH `title` names it and changes nothing else; bad titles get a
422 naming `title`; a fork keeps its parent's title and says where it came from."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from server.schemas.config import MAX_TITLE
from tests.server.conftest import create

CONFIG = {"dataset": {"name": "cubic"}, "model": {"hidden_units": 4}}


def test_a_title_names_the_run_and_changes_nothing_else(client: TestClient) -> None:
    run = create(client, CONFIG)
    assert run["title"] is None and run["parent"] is None
    client.post(f"/api/runs/{run['id']}/train", json={"steps": 20})
    before = client.get(f"/api/runs/{run['id']}/weights").json()
    answer = client.patch(f"/api/runs/{run['id']}", json={"title": "  my cubic  "})
    assert answer.status_code == 200, answer.text
    assert answer.json()["applied"] == "none"
    after = client.get(f"/api/runs/{run['id']}").json()
    assert (after["title"], after["step"]) == ("my cubic", 20)
    assert client.get(f"/api/runs/{run['id']}/weights").json() == before
    cleared = client.patch(f"/api/runs/{run['id']}", json={"title": ""}).json()["run"]
    assert cleared["title"] is None


def test_a_title_beside_a_setting_applies_both(client: TestClient) -> None:
    run = create(client, CONFIG)
    answer = client.patch(f"/api/runs/{run['id']}",
                          json={"title": "fast", "training": {"learning_rate": 0.05}}).json()
    assert answer["applied"] == "live"
    assert answer["run"]["title"] == "fast"
    assert answer["run"]["config"]["training"]["learning_rate"] == 0.05


@pytest.mark.parametrize("title", ["x" * (MAX_TITLE + 1), "two\nlines", "tab\there", 7])
def test_a_bad_title_is_refused_naming_the_field(client: TestClient, title) -> None:
    run = create(client, CONFIG)
    client.patch(f"/api/runs/{run['id']}", json={"title": "kept"})
    answer = client.patch(f"/api/runs/{run['id']}", json={"title": title})
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"][0]["loc"][-1] == "title"
    assert client.get(f"/api/runs/{run['id']}").json()["title"] == "kept"


def test_a_forks_title_says_it_is_a_copy_and_it_names_its_parent(client: TestClient) -> None:
    run = create(client, CONFIG)
    client.patch(f"/api/runs/{run['id']}", json={"title": "original"})
    client.post(f"/api/runs/{run['id']}/train", json={"steps": 12})
    fork = client.post(f"/api/runs/{run['id']}/fork").json()
    assert fork["title"] == "original (copy)"
    assert fork["parent"] == {"id": run["id"], "step": 12}
    client.patch(f"/api/runs/{fork['id']}", json={"title": "the copy"})
    assert client.get(f"/api/runs/{run['id']}").json()["title"] == "original"
    longest = client.patch(f"/api/runs/{run['id']}", json={"title": "y" * MAX_TITLE}).json()
    assert len(client.post(f"/api/runs/{longest['run']['id']}/fork").json()["title"]) == MAX_TITLE
    unnamed = create(client, CONFIG)
    assert client.post(f"/api/runs/{unnamed['id']}/fork").json()["title"] is None


def test_lookup_answers_the_known_runs_in_order_and_names_the_missing(client: TestClient) -> None:
    first, second = create(client, CONFIG), create(client, CONFIG)
    client.patch(f"/api/runs/{second['id']}", json={"title": "second"})
    client.delete(f"/api/runs/{first['id']}")
    answer = client.post("/api/runs/lookup", json={"ids": [second["id"], first["id"], "nope"]})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert [run["id"] for run in body["runs"]] == [second["id"]]
    assert body["runs"][0]["title"] == "second"
    assert body["missing"] == [first["id"], "nope"]


@pytest.mark.parametrize("body", [{"ids": ["x"] * 51}, {"ids": [""]}, {"ids": "abc"}, {}])
def test_a_bad_lookup_is_refused_naming_the_field(client: TestClient, body) -> None:
    answer = client.post("/api/runs/lookup", json=body)
    assert answer.status_code == 422, answer.text
    assert "ids" in answer.json()["detail"][0]["loc"]
