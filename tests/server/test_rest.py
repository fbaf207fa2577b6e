"""REST endpoints through an in-process TestClient: every endpoint, checked against the schemas
and, for the fitted function, against an independent numpy forward pass of the served weights."""

from __future__ import annotations

import numpy as np
import pytest
from fastapi.testclient import TestClient

from server.schemas import Data, Function1D, Function2D, FunctionDigits, History, Options, Weights
from tests.server.conftest import OCTET_STREAM, create


def relu_forward(layers: list[dict], x: np.ndarray) -> np.ndarray:
    """Reference: the served weights evaluated with plain numpy. x (N, in) -> (N, out)."""
    h = x.T
    for layer in layers[:-1]:
        h = np.maximum(np.array(layer["weight"]) @ h + np.array(layer["bias"])[:, None], 0.0)
    last = layers[-1]
    return (np.array(last["weight"]) @ h + np.array(last["bias"])[:, None]).T


def test_health(client: TestClient) -> None:
    body = client.get("/api/health").json()
    assert body["status"] == "ok" and body["device"] == "cpu" and body["runs"] == 0
    create(client)
    assert client.get("/api/health").json()["runs"] == 1


def test_options(client: TestClient) -> None:
    options = Options.model_validate(client.get("/api/options").json())
    datasets = {d.name: d for d in options.datasets}
    assert datasets["sine"].task == "regression" and datasets["sine"].inputs == 1
    assert datasets["circle"].inputs == 2 and datasets["digits"].outputs == 10
    activations = {a.name: a.piecewise_linear for a in options.activations}
    assert activations["relu"] and activations["leaky_relu"] and not activations["tanh"]
    assert "adam" in options.optimizers and "he" in options.inits
    assert options.limits.max_hidden_units == 64 and options.limits.max_runs == 8
    assert options.defaults.model.hidden_units == 8 and options.defaults.dataset.name == "sine"


def test_create_default_run(client: TestClient) -> None:
    run = create(client)
    assert len(run["id"]) >= 22  # 16 random bytes, base64url
    assert run["status"] == "paused" and run["step"] == 0 and run["task"] == "regression"
    assert run["loss"] == "mse" and run["inputs"] == run["outputs"] == 1
    assert run["parameter_count"] == run["lecture_parameter_count"] == 3 * 8 + 1
    assert run["region_bound"] == 9 and 1 <= run["linear_regions"] <= 9
    assert np.isfinite(run["train_loss"]) and run["accuracy"] is None
    assert client.get(f"/api/runs/{run['id']}").json()["id"] == run["id"]
    assert client.post("/api/runs").status_code == 201  # no body at all = defaults too
    assert client.get("/api/runs").status_code in (404, 405)  # nobody lists other people's runs


def test_same_seed_same_numbers(client: TestClient) -> None:
    a, b = create(client), create(client)
    assert a["id"] != b["id"] and a["train_loss"] == b["train_loss"]
    c = create(client, {"training": {"seed": 1}})
    assert c["train_loss"] != a["train_loss"]


def test_train_lowers_loss_and_records_history(client: TestClient) -> None:
    run = create(client)
    trained = client.post(f"/api/runs/{run['id']}/train", json={"steps": 300}).json()
    assert trained["step"] == 300 and trained["status"] == "paused"
    assert trained["train_loss"] < 0.5 * run["train_loss"]
    history = History.model_validate(client.get(f"/api/runs/{run['id']}/history").json())
    assert history.step[0] == 0 and history.step[-1] == 300
    assert history.step == sorted(history.step)
    assert history.train_loss[-1] == pytest.approx(trained["train_loss"], rel=1e-5)


def test_linear_regions_follow_training(client: TestClient) -> None:
    run = create(client, {"model": {"hidden_units": 16}})
    for steps in (200, 300):
        trained = client.post(f"/api/runs/{run['id']}/train", json={"steps": steps}).json()
        function = client.get(f"/api/runs/{run['id']}/function").json()
        assert trained["linear_regions"] == function["piecewise"]["region_count"]
        assert client.get(f"/api/runs/{run['id']}").json()["linear_regions"] == (
            function["piecewise"]["region_count"])


def test_train_limit(client: TestClient) -> None:
    run = create(client)
    response = client.post(f"/api/runs/{run['id']}/train", json={"steps": 501})
    assert response.status_code == 422
    assert "max_steps_per_call" in str(response.json()["detail"])
    assert response.json()["detail"][0]["loc"][-1] == "steps"
    assert client.post(f"/api/runs/{run['id']}/train", json={"steps": 0}).status_code == 422


def test_play_pause(client: TestClient) -> None:
    run = create(client)
    assert client.post(f"/api/runs/{run['id']}/play").json()["status"] == "running"
    for _ in range(200):
        if client.get(f"/api/runs/{run['id']}").json()["step"] > 20:
            break
    paused = client.post(f"/api/runs/{run['id']}/pause").json()
    assert paused["status"] == "paused" and paused["step"] > 0
    assert client.get(f"/api/runs/{run['id']}").json()["step"] == paused["step"]


def test_reset_returns_to_the_seeded_start(client: TestClient) -> None:
    run = create(client)
    client.post(f"/api/runs/{run['id']}/train", json={"steps": 50})
    reset = client.post(f"/api/runs/{run['id']}/reset").json()
    assert reset["step"] == 0 and reset["train_loss"] == run["train_loss"]
    assert client.get(f"/api/runs/{run['id']}/history").json()["step"] == [0]


def test_patch_live_and_rebuilt(client: TestClient) -> None:
    run = create(client)
    client.post(f"/api/runs/{run['id']}/train", json={"steps": 20})
    live = client.patch(f"/api/runs/{run['id']}", json={"training": {"learning_rate": 0.05}})
    assert live.status_code == 200, live.text
    assert live.json()["applied"] == "live" and live.json()["run"]["step"] == 20
    assert live.json()["run"]["config"]["training"]["learning_rate"] == 0.05
    rebuilt = client.patch(f"/api/runs/{run['id']}", json={"model": {"hidden_units": 16}}).json()
    assert rebuilt["applied"] == "rebuilt" and rebuilt["run"]["step"] == 0
    assert rebuilt["run"]["parameter_count"] == 49
    assert rebuilt["run"]["config"]["training"]["learning_rate"] == 0.05  # the rest is kept
    moved = client.patch(f"/api/runs/{run['id']}", json={"dataset": {"name": "circle"}}).json()
    assert moved["run"]["inputs"] == 2 and moved["run"]["task"] == "binary"
    bad = client.patch(f"/api/runs/{run['id']}", json={"model": {"hidden_units": 0}})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-1] == "hidden_units"


def test_patch_optimizer_keeps_training(client: TestClient) -> None:
    run = create(client)
    client.post(f"/api/runs/{run['id']}/train", json={"steps": 30})
    patched = client.patch(f"/api/runs/{run['id']}", json={"training": {"optimizer": "sgd"}})
    assert patched.status_code == 200, patched.text
    assert patched.json()["run"]["config"]["training"]["optimizer"] == "sgd"
    again = client.post(f"/api/runs/{run['id']}/train", json={"steps": 10}).json()
    assert again["step"] == patched.json()["run"]["step"] + 10


def test_data(client: TestClient) -> None:
    run = create(client, {"dataset": {"name": "circle", "n_points": 200}})
    data = Data.model_validate(client.get(f"/api/runs/{run['id']}/data").json())
    assert data.task == "binary" and data.inputs == 2 and data.classes == 2
    assert len(data.train.x) + len(data.test.x) == 200 and len(data.train.x[0]) == 2
    assert set(data.train.y) <= {0.0, 1.0}


def test_function_1d_is_exact(client: TestClient) -> None:
    run = create(client, {"model": {"hidden_units": 16}})
    client.post(f"/api/runs/{run['id']}/train", json={"steps": 200})
    function = Function1D.model_validate(client.get(f"/api/runs/{run['id']}/function").json())
    weights = client.get(f"/api/runs/{run['id']}/weights").json()["layers"]
    x = np.array(function.x)
    assert x[0] == -1.0 and x[-1] == 1.0 and np.all(np.diff(x) > 0)
    reference = relu_forward(weights, x[:, None])[:, 0]
    np.testing.assert_allclose(function.y[0], reference, rtol=1e-3, atol=1e-4)
    piecewise = function.piecewise
    assert piecewise is not None and piecewise.region_count >= len(piecewise.breakpoints[0]) + 1
    probe = np.random.default_rng(0).uniform(-1, 1, 50)
    for point in probe:  # the pieces reproduce the network between the kinks
        piece = next(p for p in piecewise.pieces[0] if p.x0 <= point <= p.x1)
        expected = relu_forward(weights, np.array([[point]]))[0, 0]
        assert piece.slope * point + piece.intercept == pytest.approx(expected, abs=1e-4)
    units = function.units
    assert units is not None and len(units.layers) == 1 and len(units.weighted) == 16
    total = np.sum(units.weighted, axis=0) + units.bias
    np.testing.assert_allclose(total, reference, rtol=1e-3, atol=1e-3)
    assert function.baseline is not None


def test_function_2d_and_digits(client: TestClient) -> None:
    run = create(client, {"dataset": {"name": "xor"}})
    function = Function2D.model_validate(client.get(f"/api/runs/{run['id']}/function").json())
    assert len(function.z) == len(function.y) and len(function.z[0]) == len(function.x)
    assert function.classes is not None and function.region_count >= 1
    assert all(0.0 <= v <= 1.0 for row in function.z for v in row)
    digits = create(client, {"dataset": {"name": "digits", "n_points": 300},
                             "model": {"hidden_units": 32}})
    assert digits["task"] == "multiclass" and digits["accuracy"] is not None
    body = client.get(f"/api/runs/{digits['id']}/function").json()
    function = FunctionDigits.model_validate(body)
    assert np.sum(function.confusion) == 60 and len(function.samples[0].pixels) == 64


def test_weights(client: TestClient) -> None:
    run = create(client, {"model": {"depth": 2, "hidden_units": 5}})
    weights = Weights.model_validate(client.get(f"/api/runs/{run['id']}/weights").json())
    shapes = [np.array(layer.weight).shape for layer in weights.layers]
    assert shapes == [(5, 1), (5, 5), (1, 5)]


def test_checkpoint_roundtrip(client: TestClient) -> None:
    run = create(client, {"training": {"learning_rate": 0.02}})
    client.post(f"/api/runs/{run['id']}/train", json={"steps": 40})
    response = client.get(f"/api/runs/{run['id']}/checkpoint")
    assert response.status_code == 200 and b"pickle" not in response.content[:200]
    assert response.headers["content-type"] == "application/octet-stream"
    disposition = response.headers["content-disposition"]
    assert disposition == 'attachment; filename="nn-playground-sine-step40.safetensors"'
    imported = client.post("/api/runs/import", content=response.content, headers=OCTET_STREAM)
    assert imported.status_code == 201, imported.text
    copy = imported.json()
    assert copy["id"] != run["id"] and copy["step"] == 40
    assert copy["config"] == client.get(f"/api/runs/{run['id']}").json()["config"]
    original = client.get(f"/api/runs/{run['id']}/weights").json()
    assert client.get(f"/api/runs/{copy['id']}/weights").json() == original
    a = client.post(f"/api/runs/{run['id']}/train", json={"steps": 10}).json()
    b = client.post(f"/api/runs/{copy['id']}/train", json={"steps": 10}).json()
    assert a["train_loss"] == pytest.approx(b["train_loss"], rel=1e-6)  # resumes exactly


@pytest.mark.parametrize("body", [b"", b"garbage", b"\x00" * 100, b'{"config": 1}'])
def test_import_rejects_garbage(client: TestClient, body: bytes) -> None:
    response = client.post("/api/runs/import", content=body, headers=OCTET_STREAM)
    assert response.status_code == 422, response.text


def test_import_error_names_the_problem_once(client: TestClient) -> None:
    response = client.post("/api/runs/import", content=b"garbage", headers=OCTET_STREAM)
    assert response.status_code == 422
    message = response.json()["detail"][0]["msg"]
    assert message.startswith("not a run checkpoint") and message.count("checkpoint") == 1


@pytest.mark.parametrize(("old", "new"), [
    (b'\\"hidden_units\\": 8', b'\\"hidden_units\\": 9'),  # weights no longer fit
    (b'\\"depth\\": 1', b'\\"depth\\": 2'),
    (b'\\"name\\": \\"sine\\"', b'\\"name\\": \\"sinx\\"'),
    (b'\\"learning_rate\\": 0.01', b'\\"learning_rate\\": -1.0'),
])
def test_import_rejects_forged_checkpoints(client: TestClient, old: bytes, new: bytes) -> None:
    run = create(client)
    data = client.get(f"/api/runs/{run['id']}/checkpoint").content
    forged = data.replace(old, new, 1)
    assert forged != data
    response = client.post("/api/runs/import", content=forged, headers=OCTET_STREAM)
    assert response.status_code == 422, response.text
    assert client.get("/api/health").json()["runs"] == 1


def test_import_size_limit() -> None:
    from server.app import create_app
    from tests.server.conftest import small_settings

    with TestClient(create_app(small_settings(max_upload_bytes=1024))) as client:
        response = client.post("/api/runs/import", content=b"x" * 5000, headers=OCTET_STREAM)
        assert response.status_code == 413 and "max_upload_bytes" in response.json()["detail"]


def test_delete(client: TestClient) -> None:
    run = create(client)
    assert client.delete(f"/api/runs/{run['id']}").status_code == 204
    assert client.get(f"/api/runs/{run['id']}").status_code == 404
    assert client.delete(f"/api/runs/{run['id']}").status_code == 404
    assert client.get("/api/health").json()["runs"] == 0


def test_too_many_runs(client: TestClient) -> None:
    for _ in range(8):
        create(client)
    response = client.post("/api/runs", json={})
    assert response.status_code == 429 and "max_runs" in response.json()["detail"]


@pytest.mark.parametrize("path", ["", "/history", "/data", "/function", "/weights", "/checkpoint"])
def test_unknown_run_is_404(client: TestClient, path: str) -> None:
    response = client.get(f"/api/runs/nope-not-a-run{path}")
    assert response.status_code == 404 and "detail" in response.json()
    bodies = {"train": {"steps": 1}, "play": {"steps_per_second": 5}}  # a play body is checked
    for action in ("train", "play", "pause", "reset"):
        assert client.post(f"/api/runs/nope/{action}", json=bodies.get(action)).status_code == 404
    weights = {"layers": [{"weight": [[1.0]], "bias": [0.0]}]}
    assert client.put("/api/runs/nope/weights", json=weights).status_code == 404
