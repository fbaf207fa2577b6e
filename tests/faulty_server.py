"""The real server with one injected fault, for tests only: drawing any run of the dataset named
by NN_FAULT_DATASET raises. `python -m tests.faulty_server` runs it as `python -m server` does."""

from __future__ import annotations

import os

from server import frames
from server.cli import main

_picture = frames.picture


def _faulty_picture(layers, activation, dataset, *args, **kwargs):
    if dataset.info.name == os.environ.get("NN_FAULT_DATASET"):
        raise RuntimeError("injected drawing fault")
    return _picture(layers, activation, dataset, *args, **kwargs)


if __name__ == "__main__":
    frames.picture = _faulty_picture
    main([])
