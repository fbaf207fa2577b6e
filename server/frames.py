"""What watchers and readers see of a run, as pure views: the wire Run, its function picture and
a whole snapshot message, serialised once for every watcher.

Reads a record and the engine's outputs, writes nothing: what a view learns on the way (the linear
region count, how long the picture took) comes back in its result for the caller to keep.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson

from models.diagram import network_view, thumbnails_2d
from models.engine import History, RunGroup, dropped_units
from models.pictures import MAX_UNITS_SHOWN, View2D, linear_region_count, picture
from server import bridge
from server.diagram_wire import diagram_fields
from server.records import RunRecord
from server.settings import Settings
from server.slot import dumps

NULL = b"null"


@dataclass(frozen=True)
class FunctionView:
    """A run's function as wire JSON (b"null" when it has none), its linear region count and
    the seconds the picture took."""

    json: bytes
    regions: int | None
    seconds: float


@dataclass(frozen=True)
class SnapshotView:
    """A snapshot message, the last history step it holds, and the function it carries."""

    message: bytes
    last_step: int
    function: FunctionView


NULL_FUNCTION = FunctionView(NULL, None, 0.0)


class FrameBuilder:
    """Views of runs for one server (its grid resolution)."""

    def __init__(self, settings: Settings) -> None:
        self.resolution = settings.grid_resolution
        self.unit_pictures = settings.unit_pictures  # off: no units, no network (the diagram)
        self.thumbnail_resolution = settings.thumbnail_resolution
        self.exact_regions = settings.exact_regions_2d  # 2-D polygons up to this many regions

    def run(self, record: RunRecord) -> dict[str, Any]:
        """The wire Run of `record` as it stands."""
        return bridge.run_view(record.static, record.status, record.playing,
                               record.rate.per_second, record.linear_regions, record.error,
                               record.pace.rate, record.title, record.parent)

    def function(self, record: RunRecord, layers: list, group: RunGroup) -> FunctionView:
        """The run's function picture at `layers` (b"null" for a diverged or failed run)."""
        if record.diverged or record.error:
            return NULL_FUNCTION
        started = time.perf_counter()
        model = record.config.model
        dataset = group.dataset(record.id)
        view = picture(layers, model.activation, dataset, self.resolution,
                       MAX_UNITS_SHOWN if self.unit_pictures else 0, features=model.features,
                       exact_regions=self.exact_regions)
        if view is None:  # not finite: it has no picture (the status will say diverged)
            return FunctionView(NULL, None, time.perf_counter() - started)
        network = thumbnails = None
        if self.unit_pictures:
            step = record.status.step if record.status else 0
            network = network_view(layers, model.batch_norm, model.dropout,
                                   dropped_units(model, record.config.training.seed, step - 1))
            if isinstance(view, View2D):
                thumbnails = thumbnails_2d(layers, model.activation, dataset.info.input_range,
                                           self.thumbnail_resolution, features=model.features)
        data = dumps({**bridge.function_view(view, record.baseline),
                      **diagram_fields(view, network, thumbnails)})
        return FunctionView(data, getattr(view, "region_count", None),
                            time.perf_counter() - started)

    def regions(self, record: RunRecord, layers: list, group: RunGroup) -> int | None:
        """Only the linear region count, without the picture (REST reads)."""
        info = group.dataset(record.id).info
        model = record.config.model
        return linear_region_count(layers, model.activation, info.input_range, self.resolution,
                                   features=model.features)

    def data(self, record: RunRecord, group: RunGroup) -> bytes:
        """The run's data as JSON (the caller caches it until the next rebuild)."""
        return record.data_json or dumps(bridge.data_view(group.dataset(record.id)))

    def snapshot(self, record: RunRecord, group: RunGroup, history: History,
                 function: FunctionView) -> SnapshotView:
        """A full snapshot of the run with `function` (from self.function, or NULL_FUNCTION)."""
        message = dumps({
            "type": "snapshot", "run": self.run(record),
            "data": orjson.Fragment(self.data(record, group)),
            "history": bridge.history_view(history),
            "function": orjson.Fragment(function.json),
        })
        steps = np.asarray(history.step)
        return SnapshotView(message, int(steps[-1]) if len(steps) else -1, function)

    @staticmethod
    def error(message: str | None, field: str | None) -> bytes:
        return dumps({"type": "error", "message": message or "", "field": field})

    @staticmethod
    def weights_set(step: int) -> bytes:
        """The notice that the run's weights were set by hand (its next frame shows them)."""
        return dumps({"type": "weights_set", "step": int(step), "optimizer_reset": True,
                      "message": f"weights set by hand at step {step}; the optimizer state "
                                 "starts afresh"})
