"""Input features: extra columns computed from the inputs before the network (x^2, x1 x2, sin).

TensorFlow Playground's feature checkboxes as a fixed table per number of inputs. The map is the
same function for the reference MLP, the engine's data rows and the pictures; it has no
parameters and never trains. With features the network is no longer piecewise linear in x.
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

Tensor = torch.Tensor


@dataclass(frozen=True)
class Feature:
    """One extra input column: `fn` maps x (N, inputs) to (N,)."""

    name: str
    formula: str
    fn: Callable[[Tensor], Tensor]


def _table(*features: Feature) -> dict[str, Feature]:
    return {feature.name: feature for feature in features}


# sin(pi x), not TensorFlow Playground's sin x: our inputs span [-1, 1] or [-1.5, 1.5], where sin x
# is nearly a straight line and would add nothing.
FEATURES: dict[int, dict[str, Feature]] = {
    1: _table(Feature("x_squared", "x^2", lambda x: x[:, 0] ** 2),
              Feature("sin_pi_x", "sin(pi x)", lambda x: torch.sin(math.pi * x[:, 0]))),
    2: _table(Feature("x1_squared", "x1^2", lambda x: x[:, 0] ** 2),
              Feature("x2_squared", "x2^2", lambda x: x[:, 1] ** 2),
              Feature("x1_x2", "x1 x2", lambda x: x[:, 0] * x[:, 1]),
              Feature("sin_pi_x1", "sin(pi x1)", lambda x: torch.sin(math.pi * x[:, 0])),
              Feature("sin_pi_x2", "sin(pi x2)", lambda x: torch.sin(math.pi * x[:, 1]))),
}
FEATURE_NAMES: tuple[str, ...] = tuple(name for table in FEATURES.values() for name in table)


def feature_names(inputs: int) -> tuple[str, ...]:
    """The features a dataset with `inputs` inputs may use (none above 2 inputs)."""
    return tuple(FEATURES.get(inputs, {}))


def check_features(inputs: int, features: Sequence[str]) -> tuple[str, ...]:
    """The features sorted (their stored order), or ValueError naming the problem."""
    if isinstance(features, str) or not isinstance(features, Sequence):
        raise ValueError(f"features must be a list of names, got {features!r}")
    allowed = feature_names(inputs)
    for name in features:
        if name not in allowed:
            choices = ", ".join(allowed) if allowed else "none"
            raise ValueError(f"feature {name!r} does not exist for {inputs} input(s); "
                             f"choose from: {choices}")
    if len(set(features)) != len(features):
        raise ValueError(f"features must not repeat a name, got {list(features)}")
    return tuple(sorted(features))


def add_features(x, features: Sequence[str]):
    """x (N, inputs) -> (N, inputs + len(features)): the inputs, then each feature in order.

    Takes a torch tensor or a numpy array and returns the same kind and dtype; no features: x."""
    if not features:
        return x
    if isinstance(x, np.ndarray):
        return add_features(torch.from_numpy(np.ascontiguousarray(x)), features).numpy()
    table = FEATURES[x.shape[1]]
    columns = [table[name].fn(x) for name in features]  # each (N,)
    return torch.cat([x, torch.stack(columns, dim=1)], dim=1)  # (N, in) -> (N, in + F)


class FeatureMap(nn.Module):
    """add_features as the network's first step (no parameters): (N, in) -> (N, in + F)."""

    def __init__(self, features: Sequence[str]) -> None:
        super().__init__()
        self.features = tuple(features)

    def forward(self, x: Tensor) -> Tensor:
        return add_features(x, self.features)

    def extra_repr(self) -> str:
        return ", ".join(self.features)
