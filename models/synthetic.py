"""The synthetic point clouds behind models/datasets.py: pure functions of (n, noise, generator).

Each returns (x (n, inputs) float32, y) and draws every random number from the given seeded
torch.Generator. No registry, validation or splitting here (datasets.py does that).
"""

import math

import torch

Points = tuple[torch.Tensor, torch.Tensor]


def _uniform(n: int, columns: int, low: float, high: float, generator: torch.Generator):
    return low + (high - low) * torch.rand(n, columns, generator=generator)  # (n, columns)


def _normal(n: int, columns: int, generator: torch.Generator) -> torch.Tensor:
    return torch.randn(n, columns, generator=generator)  # (n, columns)


def _regression_1d(target):
    """A 1-D regression set on [-1, 1]: y = target(x) + noise * N(0, 1)."""

    def make(n: int, noise: float, generator: torch.Generator) -> Points:
        x = _uniform(n, 1, -1.0, 1.0, generator)  # (n, 1)
        y = target(x) + noise * _normal(n, 1, generator)  # (n, 1)
        return x, y

    return make


def _triangle(x: torch.Tensor) -> torch.Tensor:
    # Period 1, values in [-1, 1]: two teeth on [-1, 1].
    return 2.0 * torch.abs(2.0 * torch.remainder(x + 0.25, 1.0) - 1.0) - 1.0


REGRESSION_1D = {
    "sine": _regression_1d(lambda x: torch.sin(math.pi * x)),
    "abs": _regression_1d(torch.abs),
    "step": _regression_1d(lambda x: (x > 0).float()),
    "cubic": _regression_1d(lambda x: 2.0 * x**3 - x),
    "triangle": _regression_1d(_triangle),
    "gaussian_bump": _regression_1d(lambda x: torch.exp(-(x**2) / (2 * 0.25**2))),
    "noisy_line": _regression_1d(lambda x: 0.8 * x + 0.3),
}


def _classification_1d(inside):
    """A 1-D binary set on [-1, 1]; the label is read from a noisy copy of x (blurred boundary)."""

    def make(n: int, noise: float, generator: torch.Generator) -> Points:
        x = _uniform(n, 1, -1.0, 1.0, generator)  # (n, 1)
        blurred = x + noise * _normal(n, 1, generator)
        return x, inside(blurred).float()  # (n, 1) labels 0/1

    return make


def two_outputs(n: int, noise: float, generator: torch.Generator) -> Points:
    """Two targets of one input on [-1, 1]: y1 = sin(pi x), y2 = |x| - 0.5, each with its noise."""
    x = _uniform(n, 1, -1.0, 1.0, generator)  # (n, 1)
    y = torch.cat([torch.sin(math.pi * x), torch.abs(x) - 0.5], dim=1)  # (n, 2)
    return x, y + noise * _normal(n, 2, generator)


MULTI_OUTPUT_1D = {"two_outputs": two_outputs}


CLASSIFICATION_1D = {
    "interval_1d": _classification_1d(lambda x: torch.abs(x) < 0.5),
    "threshold_1d": _classification_1d(lambda x: x > 0.2),
}


def _alternating_labels(n: int) -> torch.Tensor:
    return (torch.arange(n) % 2).float().unsqueeze(1)  # (n, 1), balanced classes


def circle(n: int, noise: float, generator: torch.Generator) -> Points:
    """Class 1 inside radius 0.7, class 0 on the ring out to 1.4; noise jitters the points."""
    radius = 1.4 * torch.rand(n, generator=generator)
    angle = 2 * math.pi * torch.rand(n, generator=generator)
    x = torch.stack([radius * torch.cos(angle), radius * torch.sin(angle)], dim=1)  # (n, 2)
    y = (radius < 0.7).float().unsqueeze(1)
    return x + noise * _normal(n, 2, generator), y


def xor(n: int, noise: float, generator: torch.Generator) -> Points:
    """Class 1 where both coordinates have the same sign (quadrants I and III)."""
    x = _uniform(n, 2, -1.4, 1.4, generator)
    y = (x[:, 0] * x[:, 1] > 0).float().unsqueeze(1)
    return x + noise * _normal(n, 2, generator), y


def gaussians(n: int, noise: float, generator: torch.Generator) -> Points:
    """Two round clouds (std 0.3 plus noise) centred at (-0.7, -0.7) and (0.7, 0.7)."""
    y = _alternating_labels(n)
    centre = (2.0 * y - 1.0) * 0.7  # (n, 1), broadcast to both coordinates
    x = centre + 0.3 * _normal(n, 2, generator) + noise * _normal(n, 2, generator)
    return x, y


def spiral(n: int, noise: float, generator: torch.Generator) -> Points:
    """Two interleaved spirals of 1.75 turns, radius growing to 1.4."""
    y = _alternating_labels(n)
    t = torch.rand(n, generator=generator)
    angle = 1.75 * 2 * math.pi * t + math.pi * y.squeeze(1)
    radius = 1.4 * t
    x = torch.stack([radius * torch.sin(angle), radius * torch.cos(angle)], dim=1)  # (n, 2)
    return x + noise * _normal(n, 2, generator), y


def moons(n: int, noise: float, generator: torch.Generator) -> Points:
    """Two interlocking half circles (the shape of scikit-learn's make_moons), centred."""
    y = _alternating_labels(n)
    angle = math.pi * torch.rand(n, generator=generator)
    upper = torch.stack([torch.cos(angle), torch.sin(angle)], dim=1)
    lower = torch.stack([1.0 - torch.cos(angle), 0.5 - torch.sin(angle)], dim=1)
    x = torch.where(y > 0, lower, upper) - torch.tensor([0.5, 0.25])  # (n, 2)
    return x + noise * _normal(n, 2, generator), y


CLASSIFICATION_2D = {
    "circle": circle,
    "xor": xor,
    "gaussians": gaussians,
    "spiral": spiral,
    "moons": moons,
}


def plane(n: int, noise: float, generator: torch.Generator) -> Points:
    """y = 0.6 x1 - 0.4 x2 + 0.2 on [-1.5, 1.5]^2."""
    x = _uniform(n, 2, -1.5, 1.5, generator)
    y = x @ torch.tensor([[0.6], [-0.4]]) + 0.2  # (n, 2) @ (2, 1) -> (n, 1)
    return x, y + noise * _normal(n, 1, generator)


def bumps(n: int, noise: float, generator: torch.Generator) -> Points:
    """A hill at (-0.6, -0.4) and a valley at (0.6, 0.5), gaussian, width 0.45."""
    x = _uniform(n, 2, -1.5, 1.5, generator)

    def bump(centre: tuple[float, float]) -> torch.Tensor:
        distance2 = ((x - torch.tensor(centre)) ** 2).sum(dim=1, keepdim=True)  # (n, 1)
        return torch.exp(-distance2 / (2 * 0.45**2))

    y = bump((-0.6, -0.4)) - bump((0.6, 0.5))
    return x, y + noise * _normal(n, 1, generator)


REGRESSION_2D = {"plane": plane, "bumps": bumps}

BLOB_CLASSES = 3


def blobs(n: int, noise: float, generator: torch.Generator) -> Points:
    """Three round clouds (std 0.3 plus noise) on a circle of radius 0.8; labels 0, 1, 2."""
    y = torch.arange(n) % BLOB_CLASSES  # (n,) int64
    angle = math.pi / 2 + 2 * math.pi * y.double() / BLOB_CLASSES
    centre = torch.stack([torch.cos(angle), torch.sin(angle)], dim=1).float() * 0.8  # (n, 2)
    x = centre + 0.3 * _normal(n, 2, generator) + noise * _normal(n, 2, generator)
    return x, y


MULTICLASS_2D = {"blobs": blobs}
