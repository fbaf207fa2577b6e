"""The network diagram on the wire (function.network, the 2-D unit thumbnails and joint lines) and
the bounds and counts on the Run, against an independent forward pass of the run's reference torch
module (read on the training thread), the engine's dropout masks and parameter_count."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from fastapi.testclient import TestClient
from pydantic import TypeAdapter

from models.engine import dropped_units
from models.network import ModelConfig, parameter_count
from server.app import create_app
from server.schemas import Function, Run
from tests.server.conftest import create, small_settings

FUNCTION = TypeAdapter(Function)


def module_of(client: TestClient, run_id: str) -> torch.nn.Module:
    """The run's reference module, read by the training thread that owns the tensors."""
    training = client.app.state.training

    def read():
        return training.registry.group(training.registry.runs[run_id]).module(run_id)

    return client.portal.call(training.call, read)


def function_of(client: TestClient, run_id: str) -> dict:
    response = client.get(f"/api/runs/{run_id}/function")
    assert response.status_code == 200, response.text
    FUNCTION.validate_python(response.json())
    return response.json()


def units_of(module: torch.nn.Module, points: np.ndarray):
    """Each hidden Linear's output and each activation's output, (units, N), and the output."""
    pre, post = [], []
    h = torch.from_numpy(points).float()
    with torch.no_grad():
        for layer in module.layers:
            h = layer(h)
            if isinstance(layer, torch.nn.Linear):
                pre.append(h.double().numpy().T)
            elif isinstance(layer, torch.nn.ReLU):
                post.append(h.double().numpy().T)
    return pre[:-1], post, pre[-1]


def close_to_three_digits(ours, theirs) -> None:
    """Thumbnails keep 3 significant digits of their plane's largest magnitude."""
    ours, theirs = np.asarray(ours, np.float64), np.asarray(theirs, np.float64)
    largest = np.abs(theirs).max(axis=(-2, -1), keepdims=True)
    assert np.all(np.abs(ours - theirs) <= 0.006 * largest + 1e-6)


@pytest.mark.parametrize("dataset", ["circle", "blobs"])
def test_2d_thumbnails_are_the_modules_units_over_the_grid(client: TestClient,
                                                           dataset: str) -> None:
    run = create(client, {"dataset": {"name": dataset},
                          "model": {"hidden_units": 8, "depth": 2}})
    client.post(f"/api/runs/{run['id']}/train", json={"steps": 40})
    units = function_of(client, run["id"])["units"]
    assert len(units["x"]) == 20 == len(units["y"])
    xs, ys = np.meshgrid(units["x"], units["y"])
    points = np.stack([xs.ravel(), ys.ravel()], axis=1)
    pre, post, output = units_of(module_of(client, run["id"]), points)
    for layer, (z, h) in zip(units["layers"], zip(pre, post, strict=True), strict=True):
        close_to_three_digits(layer["pre"], z.reshape(-1, 20, 20))
        close_to_three_digits(layer["post"], h.reshape(-1, 20, 20))
    outputs = output.shape[0]
    close_to_three_digits(units["output"], output.reshape(outputs, 20, 20))
    weights = client.get(f"/api/runs/{run['id']}/weights").json()["layers"]
    last = np.array(weights[-1]["weight"])  # (outputs, 8)
    close_to_three_digits(units["weighted"], last[:, :, None, None]
                          * post[-1].reshape(1, 8, 20, 20))
    np.testing.assert_allclose(units["bias"], weights[-1]["bias"], rtol=1e-6)
    first = np.array(weights[0]["weight"])
    for (w1, w2), b, line in zip(first, weights[0]["bias"], units["lines"], strict=True):
        for x, y in line or []:
            assert abs(w1 * x + w2 * y + b) <= 1e-5 * (abs(w1) + abs(w2) + abs(b))
            assert -1.5 - 1e-6 <= x <= 1.5 + 1e-6 and -1.5 - 1e-6 <= y <= 1.5 + 1e-6


def test_the_network_is_the_weights_with_batch_norm_said(client: TestClient) -> None:
    run = create(client, {"model": {"hidden_units": 6, "depth": 2, "batch_norm": True},
                          "training": {"batch_size": 16}})
    client.post(f"/api/runs/{run['id']}/train", json={"steps": 20})
    network = function_of(client, run["id"])["network"]
    weights = client.get(f"/api/runs/{run['id']}/weights").json()["layers"]
    assert network["widths"] == [1, 6, 6, 1] and not network["summary"]
    assert network["batch_norm"] == [True, True] and network["dropped"] is None
    folded = module_of(client, run["id"]).affine_layers()
    for layer, sent, (weight, bias) in zip(network["layers"], weights, folded, strict=True):
        assert layer["weight"] == sent["weight"] and layer["bias"] == sent["bias"]
        np.testing.assert_allclose(layer["weight"], weight, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(layer["bias"], bias, rtol=1e-5, atol=1e-6)


def test_the_dropped_units_are_the_engines_masks_of_the_last_step(client: TestClient) -> None:
    config = {"model": {"hidden_units": 8, "depth": 2, "dropout": 0.5},
              "training": {"batch_size": 16, "seed": 11}}
    run = create(client, config)
    assert function_of(client, run["id"])["network"]["dropped"] is None  # no step yet
    for steps in (1, 7):
        step = client.post(f"/api/runs/{run['id']}/train", json={"steps": steps}).json()["step"]
        dropped = function_of(client, run["id"])["network"]["dropped"]
        model = ModelConfig(hidden_units=8, depth=2, dropout=0.5)
        expected = dropped_units(model, 11, step - 1)
        assert dropped == [sorted(d.tolist()) for d in expected]
        assert any(dropped)  # half the units, some of them


def test_digits_are_summarised_by_their_strongest_edges(client: TestClient) -> None:
    run = create(client, {"dataset": {"name": "digits", "n_points": 200},
                          "model": {"hidden_units": 16}})
    network = function_of(client, run["id"])["network"]
    first = network["layers"][0]
    assert network["summary"] and network["widths"] == [64, 16, 10]
    assert first["weight"] is None and len(first["strongest"]["weight"]) == 64
    weights = np.array(client.get(f"/api/runs/{run['id']}/weights").json()["layers"][0]["weight"])
    threshold = np.sort(np.abs(weights).ravel())[-64]
    edges = first["strongest"]
    assert all(abs(w) >= threshold - 1e-7 for w in edges["weight"])
    np.testing.assert_allclose(edges["weight"], weights[edges["to"], edges["from"]], rtol=1e-6)
    assert network["layers"][1]["weight"] is not None  # 16 -> 10: drawn whole


def test_unit_pictures_can_be_turned_off() -> None:
    with TestClient(create_app(small_settings(unit_pictures=False))) as client:
        for dataset in ("sine", "circle"):
            run = create(client, {"dataset": {"name": dataset}})
            function = function_of(client, run["id"])
            assert function["network"] is None and function["units"] is None


@pytest.mark.parametrize(("config", "bound", "kind"), [
    ({"model": {"hidden_units": 8, "depth": 1}}, 9, "lecture"),
    ({"model": {"hidden_units": 3, "depth": 3}}, 64, "lecture"),
    ({"dataset": {"name": "circle"}, "model": {"hidden_units": 8, "depth": 1}}, 37, "zaslavsky"),
    ({"dataset": {"name": "blobs"}, "model": {"hidden_units": 5, "depth": 1}}, 16, "zaslavsky"),
    ({"dataset": {"name": "circle"}, "model": {"hidden_units": 8, "depth": 2}}, None, None),
    ({"model": {"activation": "tanh"}}, None, None),
    ({"dataset": {"name": "digits", "n_points": 100}}, None, None),
])
def test_the_region_bound_says_which_bound_it_is(client: TestClient, config: dict,
                                                 bound: int | None, kind: str | None) -> None:
    run = Run.model_validate(create(client, config))
    assert (run.region_bound, run.region_bound_kind) == (bound, kind)
    if kind == "zaslavsky":
        assert run.linear_regions <= bound


@pytest.mark.parametrize("config", [
    {}, {"dataset": {"name": "blobs"}, "model": {"hidden_units": 5, "depth": 3}},
    {"dataset": {"name": "digits", "n_points": 100}, "model": {"batch_norm": True}},
    {"model": {"depth": 0}}])
def test_the_parameter_terms_add_up_to_the_parameter_count(client: TestClient,
                                                           config: dict) -> None:
    run = create(client, config)
    terms = run["parameter_terms"]
    model = ModelConfig(inputs=run["inputs"], outputs=run["outputs"],
                        **{k: run["config"]["model"][k] for k in
                           ("hidden_units", "depth", "batch_norm")})
    assert [list(t) for t in zip(model.widths(), model.widths()[1:], strict=False)] == terms
    total = sum((fan_in + 1) * fan_out for fan_in, fan_out in terms)
    assert total + run["batch_norm_parameters"] == run["parameter_count"] \
        == parameter_count(model)


def test_with_input_features_the_diagram_takes_the_feature_columns(client: TestClient) -> None:
    run = create(client, {"dataset": {"name": "circle"},
                          "model": {"hidden_units": 4, "depth": 1,
                                    "features": ["x1_squared", "x2_squared"]}})
    assert run["region_bound"] is None and run["region_bound_kind"] is None
    client.post(f"/api/runs/{run['id']}/train", json={"steps": 20})
    function = function_of(client, run["id"])
    assert function["network"]["widths"] == [4, 4, 1]  # x1, x2, x1^2, x2^2
    units = function["units"]
    assert units["lines"] is None  # a unit of x1^2 bends on a curve
    xs, ys = np.meshgrid(units["x"], units["y"])
    points = np.stack([xs.ravel(), ys.ravel()], axis=1)
    columns = np.concatenate([points, points ** 2], axis=1)  # the features by hand
    pre, _, output = units_of(module_of(client, run["id"]), columns)
    res = len(units["x"])
    close_to_three_digits(units["layers"][0]["pre"], pre[0].reshape(-1, res, res))
    close_to_three_digits(units["output"], output.reshape(1, res, res))


def test_a_linear_model_with_features_sends_each_columns_weighted_plane(client) -> None:
    """Depth 0 with input features on 2 inputs: `weighted` is (outputs, inputs + F, res, res), each
    column's term w_c * column_c(x) on the grid (it was a transposed array the encoder refused)."""
    run = create(client, {"dataset": {"name": "circle"},
                          "model": {"depth": 0, "features": ["x1_squared", "x2_squared"]}})
    client.post(f"/api/runs/{run['id']}/train", json={"steps": 5})
    units = function_of(client, run["id"])["units"]
    weight = np.array(client.get(f"/api/runs/{run['id']}/weights").json()["layers"][0]["weight"])
    grid_x, grid_y = np.meshgrid(np.array(units["x"]), np.array(units["y"]))
    columns = [grid_x, grid_y, grid_x ** 2, grid_y ** 2]  # raw inputs, then features (sorted)
    assert np.array(units["weighted"]).shape == (1, 4, *grid_x.shape)
    for c, column in enumerate(columns):
        close_to_three_digits(units["weighted"][0][c], weight[0, c] * column)
