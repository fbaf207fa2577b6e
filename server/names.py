"""What the engine knows and allows (names, hard limits), read from models/ for the schemas.

Read from models/ registries so the wire never drifts from the engine; holds no other logic.
"""

from models.activations import ACTIVATIONS
from models.datasets import (
    DATASETS,
    MAX_NOISE,
    MAX_USER_POINTS,
    N_POINTS_RANGE,
    USER_POINT_RANGE,
    DatasetConfig,
)
from models.engine import OPTIMIZERS, TrainingConfig
from models.features import FEATURE_NAMES, FEATURES
from models.network import INITS, MAX_DEPTH, MAX_HIDDEN_UNITS, ModelConfig

DATASET_NAMES: tuple[str, ...] = tuple(DATASETS)
DATASET_INPUTS: dict[str, int] = {name: info.inputs for name, info in DATASETS.items()}
ACTIVATION_NAMES: tuple[str, ...] = tuple(ACTIVATIONS)
INIT_NAMES: tuple[str, ...] = tuple(INITS)
OPTIMIZER_NAMES: tuple[str, ...] = tuple(OPTIMIZERS)

# The engine's defaults are the wire's defaults: `POST /api/runs {}` trains what `Trainer()` trains.
DATASET_DEFAULTS = DatasetConfig()
MODEL_DEFAULTS = ModelConfig()
TRAINING_DEFAULTS = TrainingConfig()

__all__ = [
    "ACTIVATION_NAMES", "DATASET_DEFAULTS", "DATASET_INPUTS", "DATASET_NAMES", "FEATURES",
    "FEATURE_NAMES", "INIT_NAMES", "MAX_DEPTH", "MAX_HIDDEN_UNITS", "MAX_NOISE", "MAX_USER_POINTS",
    "MODEL_DEFAULTS", "N_POINTS_RANGE",
    "OPTIMIZER_NAMES", "TRAINING_DEFAULTS", "USER_POINT_RANGE",
]
