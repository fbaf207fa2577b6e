"""Suite-wide test setup: tests marked `gpu` are skipped when CUDA is absent, and every app
keeps its runs in a data dir of its own (a test's, else its module's), never in ./data."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

DATA_DIR = "PLAYGROUND_DATA_DIR"


def _data_dir(path: Path) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(DATA_DIR, str(path))
        patch.delenv("PLAYGROUND_DATABASE_URL", raising=False)
        yield


@pytest.fixture(scope="session", autouse=True)
def _session_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    yield from _data_dir(tmp_path_factory.mktemp("data-session"))


@pytest.fixture(scope="module", autouse=True)
def _module_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    yield from _data_dir(tmp_path_factory.mktemp("data-module"))


@pytest.fixture(autouse=True)
def _test_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    assert os.environ.get(DATA_DIR)
    yield from _data_dir(tmp_path_factory.mktemp("data-test"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="CUDA is not available on this machine")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)
