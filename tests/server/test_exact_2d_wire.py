"""The exact 2-D regions and decision boundary on the wire (function.polygons, function.boundary),
against the run's reference torch module (read on the training thread): inside each polygon the
module's hidden units keep one on/off pattern, the polygons tile the input square, and the module's
classes tie on every boundary segment."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from fastapi.testclient import TestClient

from tests.server.conftest import create
from tests.server.test_diagram_wire import function_of, module_of


def area(vertices: np.ndarray) -> float:
    x, y = vertices[:, 0], vertices[:, 1]
    return 0.5 * float(np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y))


def patterns_and_output(module: torch.nn.Module, points: np.ndarray):
    h = torch.from_numpy(points).double()
    signs = []
    with torch.no_grad():
        for layer in module.layers:
            if isinstance(layer, torch.nn.Linear):
                h = h @ layer.weight.double().T + layer.bias.double()
                last = h
            elif isinstance(layer, torch.nn.ReLU):
                signs.append((h > 0).numpy())
                h = torch.relu(h)
    return np.concatenate(signs, axis=1), last.numpy()


@pytest.mark.parametrize("dataset,outputs", [("circle", 1), ("blobs", 3), ("plane", 1)])
def test_polygons_are_the_modules_regions_and_the_boundary_its_ties(client: TestClient,
                                                                   dataset, outputs) -> None:
    run = create(client, {"dataset": {"name": dataset}, "model": {"hidden_units": 6, "depth": 2}})
    client.post(f"/api/runs/{run['id']}/train", json={"steps": 60})
    function = function_of(client, run["id"])
    module = module_of(client, run["id"])
    polygons = [np.asarray(p["vertices"], np.float64) for p in function["polygons"]]
    (x0, x1), (y0, y1) = (function["x"][0], function["x"][-1]), (function["y"][0],
                                                                 function["y"][-1])
    assert sum(area(v) for v in polygons) == pytest.approx((x1 - x0) * (y1 - y0), rel=1e-4)
    assert len(polygons) >= function["region_count"]  # the grid can only miss regions
    rng = np.random.default_rng(0)
    patterns = set()
    for vertices, sent in zip(polygons, function["polygons"], strict=True):
        weights = rng.dirichlet(np.ones(len(vertices)), size=20) * 0.98 + 0.02 / len(vertices)
        inside = weights @ vertices  # strictly inside (float32 vertices: a hair of slack)
        pattern, _ = patterns_and_output(module, inside)
        if area(vertices) > 1e-4:  # slivers can be thinner than float32's rounding
            assert (pattern == np.asarray(sent["pattern"], bool)).all()
        patterns.add(tuple(sent["pattern"]))
    assert len(patterns) == len(polygons)  # one region per activation pattern
    boundary = function["boundary"]
    if dataset == "plane":  # regression: no classes, no boundary
        assert boundary is None
        return
    segments = np.asarray(boundary, np.float64)
    assert len(segments) > 0
    points = np.concatenate([segments[:, 0], segments[:, 1], segments.mean(axis=1)])
    _, output = patterns_and_output(module, points)
    scale = np.abs(patterns_and_output(module, np.concatenate(polygons))[1]).max()
    if outputs == 1:
        assert np.abs(output[:, 0]).max() <= 1e-4 * scale
    else:
        top = np.sort(output, axis=1)
        assert np.abs(top[:, -1] - top[:, -2]).max() <= 1e-4 * scale


def test_too_many_regions_or_features_send_no_polygons(client: TestClient) -> None:
    wide = create(client, {"dataset": {"name": "circle"},
                           "model": {"hidden_units": 64, "depth": 3}})
    client.post(f"/api/runs/{wide['id']}/train", json={"steps": 5})
    function = function_of(client, wide["id"])
    assert function["region_count"] > 200 and function["polygons"] is None
    assert function["boundary"] is None
    featured = create(client, {"dataset": {"name": "circle"},
                               "model": {"hidden_units": 4, "features": ["x1_squared"]}})
    function = function_of(client, featured["id"])
    assert function["polygons"] is None and function["boundary"] is None
    smooth = create(client, {"dataset": {"name": "circle"},
                             "model": {"hidden_units": 4, "activation": "tanh"}})
    assert function_of(client, smooth["id"])["polygons"] is None
