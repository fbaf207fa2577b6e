"""What the engine knows and allows (names, hard limits), read from models/ for the schemas.

Read from models/ registries so the wire never drifts from the engine; holds no other logic.
"""

from models.activations import ACTIVATIONS
from models.datasets import DATASETS, MAX_NOISE, MAX_USER_POINTS, N_POINTS_RANGE, USER_POINT_RANGE
from models.engine import OPTIMIZERS
from models.network import INITS, MAX_DEPTH, MAX_HIDDEN_UNITS

DATASET_NAMES: tuple[str, ...] = tuple(DATASETS)
ACTIVATION_NAMES: tuple[str, ...] = tuple(ACTIVATIONS)
INIT_NAMES: tuple[str, ...] = tuple(INITS)
OPTIMIZER_NAMES: tuple[str, ...] = tuple(OPTIMIZERS)

__all__ = [
    "ACTIVATION_NAMES", "DATASET_NAMES", "INIT_NAMES", "MAX_DEPTH", "MAX_HIDDEN_UNITS", "MAX_NOISE",
    "MAX_USER_POINTS", "N_POINTS_RANGE", "OPTIMIZER_NAMES", "USER_POINT_RANGE",
]
