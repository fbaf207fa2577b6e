"""Forged checkpoint uploads, replayed against the running app: each one is a 422 in the project's
words, and the honest runs of the same architecture (the group it would have joined) keep
training. Before, a 1.3 KB file with float64 counters stopped every run of that group."""

from __future__ import annotations

import pytest
import torch
from fastapi.testclient import TestClient

from models.engine.records import HISTORY_LIMIT
from tests.forgery import forge, tensors_of
from tests.server.conftest import OCTET_STREAM, create

FORGERIES = {
    "float64 counters": lambda t: {"counters": t["counters"].double()},
    "short optimizer state": lambda t: {"optimizer__exp_avg": t["optimizer.exp_avg"][:-1]},
    "uneven history": lambda t: {"history__train_loss": t["history.train_loss"][:-1]},
    "2-D history": lambda t: {"history__step": t["history.step"].reshape(1, -1)},
    "step 2**63 - 1": lambda t: {"counters": torch.tensor([2**63 - 1, 0, 0, 0, 0])},
}


@pytest.mark.parametrize("name", sorted(FORGERIES))
def test_a_forged_upload_is_refused_and_the_group_trains_on(client: TestClient,
                                                            name: str) -> None:
    honest = create(client)
    client.post(f"/api/runs/{honest['id']}/train", json={"steps": 20})
    data = client.get(f"/api/runs/{honest['id']}/checkpoint").content
    forged = forge(data, **FORGERIES[name](tensors_of(data)))
    answer = client.post("/api/runs/import", content=forged, headers=OCTET_STREAM)
    assert answer.status_code == 422, answer.text
    message = answer.json()["detail"][0]["msg"]
    assert message.startswith("not a run checkpoint: ")
    assert "torch" not in message and "Tensor" not in message  # the project's words
    assert client.get("/api/health").json()["runs"] == 1
    trained = client.post(f"/api/runs/{honest['id']}/train", json={"steps": 20})
    assert trained.status_code == 200 and trained.json()["step"] == 40
    newcomer = create(client)  # an honest user of the same architecture is not refused
    assert client.post(f"/api/runs/{newcomer['id']}/train",
                       json={"steps": 5}).json()["step"] == 5
    assert client.get(f"/api/runs/{honest['id']}/checkpoint").status_code == 200


def test_a_huge_history_upload_is_thinned(client: TestClient) -> None:
    honest = create(client)
    data = client.get(f"/api/runs/{honest['id']}/checkpoint").content
    points = 1_300_000  # 30 MiB, under the upload cap
    losses = torch.linspace(1.0, 0.1, points, dtype=torch.float64)
    forged = forge(data, history__step=torch.arange(points, dtype=torch.int64),
                   history__train_loss=losses, history__test_loss=losses.clone(),
                   counters=torch.tensor([points, 0, 0, 0, 0]))
    answer = client.post("/api/runs/import", content=forged, headers=OCTET_STREAM)
    assert answer.status_code == 201, answer.text
    history = client.get(f"/api/runs/{answer.json()['id']}/history").json()
    assert len(history["step"]) <= HISTORY_LIMIT
