"""The fast training engine: many runs of one architecture trained as one batched computation.

Held equal, step for step, to the student's loop in models/loop.py (read that first). Synchronous
and without I/O apart from checkpoint files; the server decides when to call RunGroup.step().

    group.py       RunGroup: add, step, set_training, set_data, statuses, history, export ...
    trainer.py     Trainer: the group of one, for notebooks; default_device()
    batched.py     the MLP's forward and backward for R runs at once (parameters (R, P))
    stepper.py     the step loop: batches, gradient, divergence, optimiser update, evaluations
    optim.py       SGD, momentum and Adam as in-place updates of all runs' parameters at once
    sampling.py    the batch order and dropout masks: counter-based hashes, no generator state
    rows.py        every run's tensors (device) and counters (host), one row per run
    history.py     loss-curve buffers on the device and their archive on the host
    records.py     RunStatus and History, what the engine reports
    checkpoint.py  RunState, save_run / load_run (safetensors, checked before use)
    weights.py     weights set by hand (checked, packed), the units a step's dropout dropped
    checks.py      RunGroup's argument checks
"""

from models.configs import OPTIMIZERS, RunConfig, TrainingConfig
from models.engine.checkpoint import RunState, load_run, load_run_file, save_run, save_run_file
from models.engine.group import RunGroup
from models.engine.records import History, RunStatus
from models.engine.trainer import Trainer, default_device
from models.engine.weights import WeightsError, dropped_units

__all__ = ["OPTIMIZERS", "History", "RunConfig", "RunGroup", "RunState", "RunStatus", "Trainer",
           "TrainingConfig", "WeightsError", "default_device", "dropped_units", "load_run",
           "load_run_file", "save_run", "save_run_file"]
