"""The config additions on the wire: hidden_units per layer, model.features, training.l1 and the
two_outputs dataset, through REST, checked against the schemas, the served weights (a numpy
forward with the features computed here) and the limits."""

from __future__ import annotations

import math

import numpy as np
from fastapi.testclient import TestClient

from server.schemas import Data, Function1D, Function2D, Options, Weights
from tests.server.conftest import OCTET_STREAM, create

WIDTHS = {"hidden_units": [4, 2], "depth": 2}


def forward(layers: list[dict], columns: np.ndarray) -> np.ndarray:
    """The served weights on the first layer's columns (N, in + F) with numpy -> (N, out)."""
    h = columns.T
    for layer in layers[:-1]:
        h = np.maximum(np.array(layer["weight"]) @ h + np.array(layer["bias"])[:, None], 0.0)
    last = layers[-1]
    return (np.array(last["weight"]) @ h + np.array(last["bias"])[:, None]).T


def errors(response) -> list[tuple[str, str]]:
    assert response.status_code == 422, response.text
    return [(".".join(str(p) for p in item["loc"][1:]), item["msg"])
            for item in response.json()["detail"]]


def test_widths_per_layer(client: TestClient) -> None:
    run = create(client, {"model": WIDTHS})
    assert run["config"]["model"]["hidden_units"] == [4, 2]
    assert run["parameter_count"] == (1 + 1) * 4 + (4 + 1) * 2 + (2 + 1) * 1
    assert run["lecture_parameter_count"] is None  # the lecture's formula needs one width
    assert run["region_bound"] == 5 * 3 and 1 <= run["linear_regions"] <= 15
    weights = Weights.model_validate(client.get(f"/api/runs/{run['id']}/weights").json())
    assert [np.shape(layer.weight) for layer in weights.layers] == [(4, 1), (2, 4), (1, 2)]
    function = Function1D.model_validate(client.get(f"/api/runs/{run['id']}/function").json())
    assert [len(layer.pre) for layer in function.units.layers] == [4, 2]
    same = create(client, {"model": {"hidden_units": [3, 3], "depth": 2}})
    assert same["config"]["model"]["hidden_units"] == 3  # one width: stored as one number
    assert same["lecture_parameter_count"] == same["parameter_count"] == 3 * 3 + 1 + 3 * 4


def test_bad_widths_name_the_field(client: TestClient) -> None:
    mismatch = errors(client.post("/api/runs", json={"model": {"hidden_units": [4, 2],
                                                                "depth": 3}}))
    assert mismatch[0][0] == "model.hidden_units" and "depth is 3" in mismatch[0][1]
    (zero,) = errors(client.post("/api/runs", json={"model": {"hidden_units": [4, 0],
                                                               "depth": 2}}))
    assert zero[0] == "model.hidden_units" and "hidden_units[1]" in zero[1]
    over = errors(client.post("/api/runs", json={"model": {"hidden_units": [65, 2],
                                                            "depth": 2}}))
    assert over == [("model.hidden_units", "model.hidden_units = [65, 2] is over this server's "
                                           "limit max_hidden_units = 64 (per layer)")]
    run = create(client, {"model": WIDTHS})
    deeper = client.patch(f"/api/runs/{run['id']}", json={"model": {"depth": 3}})
    assert errors(deeper)[0][0] == "model.hidden_units"
    both = client.patch(f"/api/runs/{run['id']}",
                        json={"model": {"depth": 3, "hidden_units": [4, 2, 2]}}).json()
    assert both["applied"] == "rebuilt" and both["run"]["region_bound"] == 5 * 3 * 3


def test_options_list_the_features_per_number_of_inputs(client: TestClient) -> None:
    options = Options.model_validate(client.get("/api/options").json())
    by_inputs: dict[int, set[str]] = {}
    for feature in options.features:
        by_inputs.setdefault(feature.inputs, set()).add(feature.name)
    assert by_inputs == {1: {"x_squared", "sin_pi_x"},
                         2: {"x1_squared", "x2_squared", "x1_x2", "sin_pi_x1", "sin_pi_x2"}}
    formulas = {feature.name: feature.formula for feature in options.features}
    assert formulas["x1_x2"] == "x1 x2" and formulas["sin_pi_x"] == "sin(pi x)"
    assert options.defaults.model.features == [] and options.defaults.training.l1 == 0.0
    assert "two_outputs" in {d.name for d in options.datasets}


def test_features_in_1d_change_the_first_layer_and_claim_no_kinks(client: TestClient) -> None:
    run = create(client, {"model": {"features": ["x_squared", "sin_pi_x"], "hidden_units": 5}})
    assert run["config"]["model"]["features"] == ["sin_pi_x", "x_squared"]  # stored sorted
    assert run["parameter_count"] == (3 + 1) * 5 + 6
    assert run["region_bound"] is None and run["lecture_parameter_count"] is None
    assert run["linear_regions"] is None
    client.post(f"/api/runs/{run['id']}/train", json={"steps": 50})
    layers = client.get(f"/api/runs/{run['id']}/weights").json()["layers"]
    assert np.shape(layers[0]["weight"]) == (5, 3)
    function = Function1D.model_validate(client.get(f"/api/runs/{run['id']}/function").json())
    assert function.piecewise is None and function.units.joints is None
    x = np.array(function.x, dtype=np.float64)
    assert len(x) == 201 and np.allclose(np.diff(x), 0.01, atol=1e-6)
    columns = np.stack([x, np.sin(math.pi * x), x**2], axis=1)  # inputs, then sorted features
    np.testing.assert_allclose(function.y[0], forward(layers, columns)[:, 0], rtol=1e-4,
                               atol=1e-4)


def test_features_in_2d_keep_the_region_map(client: TestClient) -> None:
    run = create(client, {"dataset": {"name": "circle"},
                          "model": {"features": ["x2_squared", "x1_squared"]}})
    assert run["parameter_count"] == (4 + 1) * 8 + 9 and run["region_bound"] is None
    function = Function2D.model_validate(client.get(f"/api/runs/{run['id']}/function").json())
    assert function.regions is not None and function.region_count == run["linear_regions"] >= 1
    layers = client.get(f"/api/runs/{run['id']}/weights").json()["layers"]
    xs, ys = np.meshgrid(np.array(function.x, np.float64), np.array(function.y, np.float64))
    columns = np.stack([xs.ravel(), ys.ravel(), xs.ravel() ** 2, ys.ravel() ** 2], axis=1)
    probability = 1 / (1 + np.exp(-forward(layers, columns)[:, 0]))
    np.testing.assert_allclose(np.array(function.z).ravel(), probability, atol=1e-4)


def test_features_must_fit_the_datasets_inputs(client: TestClient) -> None:
    wrong = errors(client.post("/api/runs", json={"model": {"features": ["x1_x2"]}}))
    assert wrong[0][0] == "model.features" and "x_squared, sin_pi_x" in wrong[0][1]
    twice = errors(client.post("/api/runs", json={"model": {"features": ["x_squared"] * 2}}))
    assert twice[0][0] == "model.features"
    digits = errors(client.post("/api/runs", json={"dataset": {"name": "digits"},
                                                   "model": {"features": ["x_squared"]}}))
    assert digits[0][0] == "model.features" and "none" in digits[0][1]
    run = create(client, {"dataset": {"name": "circle"}, "model": {"features": ["x1_x2"]}})
    to_1d = client.patch(f"/api/runs/{run['id']}", json={"dataset": {"name": "sine"}})
    assert errors(to_1d)[0][0] == "model.features"  # the page sends features that fit
    fitting = client.patch(f"/api/runs/{run['id']}", json={"dataset": {"name": "sine"},
                                                          "model": {"features": []}})
    assert fitting.json()["applied"] == "rebuilt"


def test_changes_features_rebuild_and_l1_is_live(client: TestClient) -> None:
    run = create(client)
    client.post(f"/api/runs/{run['id']}/train", json={"steps": 20})
    live = client.patch(f"/api/runs/{run['id']}", json={"training": {"l1": 0.01}}).json()
    assert live["applied"] == "live" and live["run"]["step"] == 20
    assert live["run"]["config"]["training"]["l1"] == 0.01
    assert errors(client.patch(f"/api/runs/{run['id']}",
                               json={"training": {"l1": -1.0}}))[0][0] == "training.l1"
    rebuilt = client.patch(f"/api/runs/{run['id']}",
                           json={"model": {"features": ["x_squared"]}}).json()
    assert rebuilt["applied"] == "rebuilt" and rebuilt["run"]["step"] == 0


def test_two_outputs_on_the_wire(client: TestClient) -> None:
    run = create(client, {"dataset": {"name": "two_outputs"}, "model": {"hidden_units": 6}})
    assert run["outputs"] == 2 and run["task"] == "regression"
    assert run["lecture_parameter_count"] is None and run["region_bound"] == 7
    assert run["parameter_count"] == 2 * 6 + 7 * 2
    data = Data.model_validate(client.get(f"/api/runs/{run['id']}/data").json())
    assert all(len(row) == 2 for row in data.train.y) and len(data.train.y) == 80
    client.post(f"/api/runs/{run['id']}/train", json={"steps": 100})
    function = Function1D.model_validate(client.get(f"/api/runs/{run['id']}/function").json())
    assert len(function.y) == 2 and function.baseline is None
    assert len(function.piecewise.breakpoints) == len(function.piecewise.pieces) == 2
    layers = client.get(f"/api/runs/{run['id']}/weights").json()["layers"]
    x = np.array(function.x, np.float64)
    np.testing.assert_allclose(np.array(function.y).T, forward(layers, x[:, None]), atol=1e-4)
    joints = [j for j in function.units.joints if j is not None]
    for breakpoints in function.piecewise.breakpoints:  # both outputs bend at shared joints
        for kink in breakpoints:
            assert min(abs(kink - j) for j in joints) < 1e-5


def test_checkpoints_carry_the_additions(client: TestClient) -> None:
    config = {"dataset": {"name": "xor"},
              "model": {"hidden_units": [5, 3], "depth": 2, "features": ["x1_x2"]},
              "training": {"l1": 0.001}}
    run = create(client, config)
    client.post(f"/api/runs/{run['id']}/train", json={"steps": 30})
    saved = client.get(f"/api/runs/{run['id']}/checkpoint").content
    imported = client.post("/api/runs/import", content=saved, headers=OCTET_STREAM)
    assert imported.status_code == 201, imported.text
    copy = imported.json()
    assert copy["config"] == client.get(f"/api/runs/{run['id']}").json()["config"]
    assert copy["config"]["model"]["hidden_units"] == [5, 3] and copy["step"] == 30
    for run_id in (run["id"], copy["id"]):
        client.post(f"/api/runs/{run_id}/train", json={"steps": 10})
    ours = client.get(f"/api/runs/{run['id']}/weights").json()
    theirs = client.get(f"/api/runs/{copy['id']}/weights").json()
    assert ours == theirs
