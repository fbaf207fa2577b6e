"""The real server with one injected fault, for tests only: drawing any run of the dataset named
by NN_FAULT_DATASET raises. `python -m tests.faulty_server` runs it as `python -m server` does."""

from __future__ import annotations

import os

from server import bridge
from server.cli import main

_function_view = bridge.function_view


def _faulty_function_view(layers, activation, dataset, baseline, resolution):
    if dataset.info.name == os.environ.get("NN_FAULT_DATASET"):
        raise RuntimeError("injected drawing fault")
    return _function_view(layers, activation, dataset, baseline, resolution)


if __name__ == "__main__":
    bridge.function_view = _faulty_function_view
    main([])
