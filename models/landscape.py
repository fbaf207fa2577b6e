"""The loss landscape: the training loss on a 2-D slice of parameter space through the current
weights, L(theta + a d_1 + b d_2) on a grid of (a, b), and the optimizer's path projected on it.

Everything is in the space of the net's affine layers, (W (out, in), b (out,)) per Linear in
eval mode (batch norm folded in with its running statistics, no dropout), flattened layer by
layer: W row-major, then b. That is the space of `GET .../weights`, and the loss there is the one
the engine reports (eval mode, full training set). The grid is one batched computation: every
grid point is one "run" of the engine's batched `Network` (models/engine/batched.py), in float32
(the engine's precision); the centre's loss and the surface's slope there in float64.

Directions (Li et al. 2018, "Visualizing the loss landscape of neural nets"):
- "random": two Gaussian directions, filter-normalised: each unit's incoming parameters (its row
  of W and its bias) rescaled to the norm of the weights' own row and bias; seeded, so a slice
  drawn again after more steps uses the same directions (rescaled to the new weights).
- "pca": the two main directions of the trajectory (the recorded parameter vectors minus the
  current one), unit vectors; their path coordinates explain most of its movement.
- "parameters": a net with exactly two parameters (linear regression y = beta_0 + beta_1 x) is
  drawn in its own parameters: d_1 moves beta_0 (the bias), d_2 moves beta_1 (the slope).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import torch

from models.engine.batched import Network
from models.features import add_features
from models.losses import per_example_loss, targets_as_float
from models.network import ModelConfig

Layers = list[tuple[np.ndarray, np.ndarray]]
DIRECTIONS = ("random", "pca", "parameters")
CHUNK_ELEMENTS = 8_000_000  # floats per hidden activation tensor in one batched pass (64 MB)
TRAJECTORY_LIMIT = 200  # recorded parameter vectors per run at most
TRAJECTORY_FLOATS = 2_000_000  # and at most this many numbers (8 MB): fewer points for big nets


def flatten(layers: Layers) -> np.ndarray:
    """(P,) float64: each layer's W row-major, then its b."""
    return np.concatenate([np.concatenate([np.ravel(w), np.ravel(b)]) for w, b in layers])


def unflatten(vector: np.ndarray, like: Layers) -> Layers:
    """The inverse of `flatten`, shaped like `like`."""
    result, offset = [], 0
    for w, b in like:
        size = w.size
        result.append((vector[offset:offset + size].reshape(w.shape),
                       vector[offset + size:offset + size + b.size].copy()))
        offset += size + b.size
    return result


def folded_model(model: ModelConfig) -> ModelConfig:
    """The plain affine net the layers describe: features as inputs, no batch norm, no dropout;
    its `Layout` is exactly `flatten`'s order."""
    return replace(model, inputs=model.widths()[0], features=(), batch_norm=False, dropout=0.0)


def is_two_parameter(layers: Layers) -> bool:
    """The lecture's linear regression: one Linear from one input to one output."""
    return len(layers) == 1 and layers[0][0].shape == (1, 1)


def parameter_directions(layers: Layers) -> np.ndarray:
    """(2, 2): d_1 moves beta_0 (the bias, flat index 1), d_2 moves beta_1 (the slope, index 0)."""
    if not is_two_parameter(layers):
        raise ValueError("parameter axes need a net with exactly two parameters (depth 0, one "
                         "input, one output)")
    return np.array([[0.0, 1.0], [1.0, 0.0]])


def random_directions(layers: Layers, seed: int = 0) -> np.ndarray:
    """(2, P) Gaussian directions, filter-normalised per unit (its W row and its bias together):
    ||d_unit|| = ||theta_unit||, so a step of 1 along either is as large as the weights."""
    generator = torch.Generator().manual_seed(int(seed))
    size = int(sum(w.size + b.size for w, b in layers))
    raw = torch.randn(2, size, generator=generator, dtype=torch.float64).numpy()
    return np.stack([flatten(filter_normalise(unflatten(row, layers), layers)) for row in raw])


def filter_normalise(direction: Layers, layers: Layers) -> Layers:
    """Each unit's [W row, bias] of `direction` rescaled to that unit's norm in `layers`."""
    result = []
    for (dw, db), (w, b) in zip(direction, layers, strict=True):
        d = np.concatenate([dw, db[:, None]], 1)  # (out, in + 1): one row per unit
        theta = np.concatenate([w, b[:, None]], 1)
        scale = np.linalg.norm(theta, axis=1) / np.maximum(np.linalg.norm(d, axis=1), 1e-300)
        d = d * scale[:, None]
        result.append((d[:, :-1], d[:, -1]))
    return result


def pca_directions(path: np.ndarray, centre: np.ndarray) -> np.ndarray | None:
    """(2, P) unit vectors: the two main directions of path (T, P) - centre; None when the path
    spans fewer than two directions (fewer than three distinct points)."""
    moves = path - centre[None, :]
    if len(moves) < 2:
        return None
    _, singular, vt = np.linalg.svd(moves, full_matrices=False)
    if len(singular) < 2 or singular[1] <= 1e-12 * max(singular[0], 1e-300):
        return None
    return vt[:2].copy()


def project(path: np.ndarray, centre: np.ndarray, directions: np.ndarray) -> np.ndarray:
    """(T, 2) least-squares coordinates (a, b) of each path (T, P) point: the (a, b) that make
    centre + a d_1 + b d_2 nearest to it (exact for points in the plane)."""
    if len(path) == 0:
        return np.zeros((0, 2))
    coordinates, *_ = np.linalg.lstsq(directions.T, (path - centre[None, :]).T, rcond=None)
    return coordinates.T


def loss_grid(model: ModelConfig, centre: np.ndarray, directions: np.ndarray, xs: np.ndarray,
              ys: np.ndarray, x: np.ndarray, target: np.ndarray, task: str,
              dtype: torch.dtype = torch.float32) -> np.ndarray:
    """(len(ys), len(xs)) training loss at centre + xs[j] d_1 + ys[i] d_2 (row i is ys[i]).

    model: `folded_model(...)` (its first width = x's columns); x (N, in) with the features'
    columns; target (N, out) float (one-hot for multiclass). The grid points are the rows of one
    (G*G, P) parameter matrix (built in float64) evaluated by the batched Network in `dtype`:
    float32, the engine's own precision, by default (half the time of float64); very large grids
    are cut into chunks of at most CHUNK_ELEMENTS activations; the mean over N in float64."""
    network = Network(model)
    a, b = np.meshgrid(xs, ys)  # (Gy, Gx) each: a varies along a row
    rows = (centre[None, :] + a.reshape(-1, 1) * directions[0][None, :]
            + b.reshape(-1, 1) * directions[1][None, :])  # (G*G, P)
    flat = torch.from_numpy(rows).to(dtype)
    inputs = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float64))[None].to(dtype)
    targets = torch.from_numpy(np.ascontiguousarray(target, dtype=np.float64))[None].to(dtype)
    widest = max(model.widths())
    chunk = max(1, CHUNK_ELEMENTS // max(1, len(x) * widest))
    losses = []
    with torch.no_grad():
        for start in range(0, len(rows), chunk):
            part = flat[start:start + chunk]  # (R, P)
            out = network.forward(part, inputs.expand(len(part), -1, -1))  # (R, N, out)
            per_example = per_example_loss(task, out, targets.expand(len(part), -1, -1))
            losses.append(per_example.double().mean(1))  # (R,)
    return torch.cat(losses).numpy().reshape(len(ys), len(xs))


def surface_slope(model: ModelConfig, centre: np.ndarray, directions: np.ndarray, x: np.ndarray,
                  target: np.ndarray, task: str) -> np.ndarray:
    """(2,) dL/da, dL/db at the centre: the slice's own gradient (torch autograd, float64); for
    parameter axes the gradient (dL/dbeta_0, dL/dbeta_1) itself."""
    network = Network(model)
    theta = torch.from_numpy(centre.copy())[None].requires_grad_(True)
    inputs = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float64))[None]
    targets = torch.from_numpy(np.ascontiguousarray(target, dtype=np.float64))[None]
    with torch.enable_grad():
        loss = per_example_loss(task, network.forward(theta, inputs), targets).mean()
        (gradient,) = torch.autograd.grad(loss, theta)
    return directions @ gradient[0].numpy()


@dataclass(frozen=True)
class Landscape:
    """A slice: axis values xs (Gx,), ys (Gy,), loss (Gy, Gx), the directions (2, P) as layers,
    the path's steps and coordinates (T, 2), the centre's loss and the surface's slope there.
    For "parameters" the axes are beta_0 and beta_1 themselves (origin = the current values),
    for the others offsets from the current weights (origin = (0, 0))."""

    kind: str
    xs: np.ndarray
    ys: np.ndarray
    loss: np.ndarray
    directions: tuple[Layers, Layers]
    origin: tuple[float, float]
    path_steps: np.ndarray
    path: np.ndarray
    centre_loss: float
    slope: np.ndarray


def landscape(model: ModelConfig, layers: Layers, x: np.ndarray, target: np.ndarray, task: str,
              kind: str = "random", size: int = 41, span: float = 1.0, seed: int = 0,
              trajectory: Trajectory | None = None) -> Landscape:
    """The slice through `layers` along `kind`'s directions, `size` points per axis over
    [-span, span] (widened to hold the whole projected path); raises ValueError for a kind that
    does not apply ("parameters" for more than two parameters, "pca" without enough path)."""
    if kind not in DIRECTIONS:
        raise ValueError(f"directions must be one of {DIRECTIONS}")
    centre = flatten(layers)
    steps, path = trajectory.matrix(centre.size) if trajectory else (np.zeros(0), np.zeros((0,)))
    if kind == "parameters":
        directions = parameter_directions(layers)
    elif kind == "pca":
        directions = pca_directions(path, centre) if len(steps) else None
        if directions is None:
            raise ValueError("directions=pca needs a path of at least three distinct points: "
                             "train a few steps first")
    else:
        directions = random_directions(layers, seed)
    coordinates = project(path, centre, directions) if len(steps) else np.zeros((0, 2))
    reach = float(np.abs(coordinates).max()) * 1.1 if len(coordinates) else 0.0
    half = max(float(span), reach)
    offsets = np.linspace(-half, half, size)
    if size % 2:
        offsets[size // 2] = 0.0  # the current weights exactly on the grid
    folded = folded_model(model)
    grid = loss_grid(folded, centre, directions, offsets, offsets, x, target, task)
    centre_loss = loss_grid(folded, centre, directions, np.zeros(1), np.zeros(1), x, target,
                            task, torch.float64)[0, 0]
    origin = (float(centre[1]), float(centre[0])) if kind == "parameters" else (0.0, 0.0)
    return Landscape(kind, offsets + origin[0], offsets + origin[1], grid,
                     (unflatten(directions[0], layers), unflatten(directions[1], layers)),
                     origin, steps, coordinates + np.array(origin), float(centre_loss),
                     surface_slope(folded, centre, directions, x, target, task))


def training_arrays(dataset, model: ModelConfig) -> tuple[np.ndarray, np.ndarray]:
    """A `models.datasets.Dataset`'s training set as the landscape takes it: x (N, in + F)
    float64 with the features' columns, target (N, out) float64 (one-hot for multiclass)."""
    x = add_features(dataset.x_train.double(), model.features).numpy()
    target = targets_as_float(dataset.info.task, dataset.y_train, model.outputs)
    return x, target.double().numpy()


class Trajectory:
    """A thinned record of a run's parameter vectors: at most `limit` (step, theta (P,)) points
    (fewer when P is large: TRAJECTORY_FLOATS in all, at least 3), kept in float32 (the engine's
    precision), evenly spaced in steps (the spacing doubles each time the record fills) plus the
    latest one. A step that goes back (a reset) or a vector of another size (a rebuild) starts it
    afresh."""

    def __init__(self, limit: int = TRAJECTORY_LIMIT) -> None:
        self.limit, self.gap = limit, 1
        self.steps: list[int] = []
        self.points: list[np.ndarray] = []

    def add(self, step: int, layers: Layers) -> None:
        vector = flatten(layers).astype(np.float32)
        if self.steps and (step < self.steps[-1] or vector.size != self.points[-1].size):
            self.steps, self.points, self.gap = [], [], 1
        tentative = len(self.steps) > 1 and self.steps[-1] - self.steps[-2] < self.gap
        if self.steps and (step == self.steps[-1] or tentative):
            self.steps[-1], self.points[-1] = step, vector  # the latest point moves on
            return
        self.steps.append(step)
        self.points.append(vector)
        while len(self.steps) > min(self.limit, max(3, TRAJECTORY_FLOATS // vector.size)):
            self.gap *= 2  # keep the first, then each point at least gap after the last kept
            keep = [0]
            for index in range(1, len(self.steps) - 1):
                if self.steps[index] - self.steps[keep[-1]] >= self.gap:
                    keep.append(index)
            keep.append(len(self.steps) - 1)
            self.steps = [self.steps[i] for i in keep]
            self.points = [self.points[i] for i in keep]

    def matrix(self, size: int) -> tuple[np.ndarray, np.ndarray]:
        """(steps (T,), vectors (T, P)) of the points of this size (none of another size)."""
        pairs = [(s, p) for s, p in zip(self.steps, self.points, strict=True) if p.size == size]
        if not pairs:
            return np.zeros(0, dtype=np.int64), np.zeros((0, size))
        return (np.array([s for s, _ in pairs], dtype=np.int64),
                np.stack([p for _, p in pairs]).astype(np.float64))
