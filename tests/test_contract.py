"""The page's half of the contract (frontend/js/contract.js) held equal to the server's schemas.

contract.js keeps its table as one JSON literal, so this test reads the very text the page runs
(no node, no browser). It checks the field table against RunConfig and its sections (places, kinds,
choices, slider spans inside the bounds, and, by asking a real in-process server, whether a
change applies live or rebuilds), the websocket message types against ClientMessage and
ServerMessage, the names the page switches on, what it reads from /api/options, and that
`pending` lists only what the server does not send yet. It also shows that it can fail: a
deliberately drifted copy of contract.js is caught, with every drift named.
"""

from __future__ import annotations

import json
import math
import typing
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from models.datasets import DatasetConfig
from models.engine import OPTIMIZERS, Trainer, TrainingConfig
from models.engine import RunConfig as EngineRunConfig
from models.network import ModelConfig
from server.app import create_app
from server.routes.options import MOMENTUM_OPTIMIZERS
from server.schemas import (
    ClientMessage,
    Function1D,
    Function2D,
    FunctionDigits,
    Limits,
    Options,
    PatchResult,
    Run,
    RunConfig,
    ServerMessage,
    UserPoint,
)
from server.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
CONTRACT_JS = ROOT / "frontend" / "js" / "contract.js"
MARKER = "export const CONTRACT = deepFreeze("
APPLIED = {"live": "live", "rebuild": "rebuilt", "data": "data"}  # table word -> server answer
POINTS = [{"x": [-1.0], "y": 0.0}, {"x": [0.0], "y": 1.0}, {"x": [1.0], "y": 0.0}]


def load_contract(path: Path = CONTRACT_JS) -> dict:
    """The JSON literal after `export const CONTRACT = deepFreeze(` in a contract.js file."""
    text = path.read_text()
    start = text.index("{", text.index(MARKER))
    contract, _ = json.JSONDecoder().raw_decode(text, start)
    return contract


def literal(annotation) -> list:
    """The values of a Literal[...] annotation."""
    assert typing.get_origin(annotation) is typing.Literal, annotation
    return list(typing.get_args(annotation))


def union_types(union) -> list[str]:
    """The `type` values of a discriminated union of messages (Annotated[A | B, Field(...)])."""
    members = typing.get_args(typing.get_args(union)[0])
    return [value for member in members
            for value in literal(member.model_fields["type"].annotation)]


def sections() -> dict[str, type]:
    """RunConfig's sections: {"dataset": DatasetSpec, "model": ModelSpec, ...}."""
    return {name: info.annotation for name, info in RunConfig.model_fields.items()}


def kind_of(annotation) -> str:
    """The field table's kind for a schema annotation."""
    if typing.get_origin(annotation) is typing.Literal:
        return "choice"
    if annotation in (int, float, bool):
        return annotation.__name__
    bare = [typing.get_origin(a) or a for a in
            (typing.get_args(a)[0] if typing.get_origin(a) is typing.Annotated else a
             for a in typing.get_args(annotation))]
    if bare == [int, list]:
        return "widths"  # one width, or one per layer
    if typing.get_origin(annotation) is list and \
            typing.get_origin(typing.get_args(annotation)[0]) is typing.Literal:
        return "features"
    args = set(typing.get_args(annotation))
    if args == {int, type(None)}:
        return "batch"
    if args == {list[UserPoint], type(None)}:
        return "points"
    raise AssertionError(f"no table kind for {annotation}")


def schema_bounds(info) -> tuple[float, float, bool, bool]:
    """(low, high, low exclusive, high exclusive) of a numeric schema field."""
    low, high, low_open, high_open = -math.inf, math.inf, False, False
    for rule in info.metadata:
        if getattr(rule, "ge", None) is not None:
            low = rule.ge
        if getattr(rule, "gt", None) is not None:
            low, low_open = rule.gt, True
        if getattr(rule, "le", None) is not None:
            high = rule.le
        if getattr(rule, "lt", None) is not None:
            high, high_open = rule.lt, True
    return low, high, low_open, high_open


def options_lists() -> dict[str, list[str]]:
    """The names of each /api/options list a choice field can draw from."""
    from server.routes.options import options

    served = options(Settings(device="cpu"))
    return {"datasets": [d.name for d in served.datasets],
            "activations": [a.name for a in served.activations],
            "optimizers": served.optimizers, "inits": served.inits,
            "features_1d": [f.name for f in served.features if f.inputs == 1]}


def contract_problems(contract: dict) -> list[str]:
    """Every way the page's contract differs from the server's schemas (empty: they agree)."""
    problems: list[str] = []
    fields = contract["fields"]
    schema = {(group, name): info for group, spec in sections().items()
              for name, info in spec.model_fields.items()}
    places = [tuple(spec["path"]) for spec in fields]
    for place in sorted(set(schema) - set(places)):
        problems.append(f"config field {'.'.join(place)} has no entry in the field table")
    for place in sorted(set(places) - set(schema)):
        problems.append(f"the field table names {'.'.join(place)}, which the config does not have")
    keys = [spec["key"] for spec in fields]
    for key in sorted({k for k in keys if keys.count(k) > 1}):
        problems.append(f"hash key {key} is used twice")
    lists = options_lists()
    for spec in fields:
        info = schema.get(tuple(spec["path"]))
        if info is None:
            continue
        name = spec["key"]
        kind = kind_of(info.annotation)
        if spec["kind"] != kind:
            problems.append(f"{name}: kind {spec['kind']}, the schema's is {kind}")
        if spec["applies"] not in APPLIED:
            problems.append(f"{name}: applies {spec['applies']!r} is not one of {list(APPLIED)}")
        if kind == "choice" and lists.get(spec.get("choices")) != literal(info.annotation):
            problems.append(f"{name}: choices from {spec.get('choices')!r} are not the schema's "
                            f"{literal(info.annotation)}")
        if "slider" in spec and kind in ("int", "float", "batch"):
            problems += slider_problems(name, spec["slider"], schema_bounds(info))
        if "slider" in spec and kind == "widths":  # the bounds of one width
            width = typing.get_args(typing.get_args(info.annotation)[0])[1]
            problems += slider_problems(name, spec["slider"], schema_bounds(width))
    problems += same(contract, "server_messages", union_types(ServerMessage), exact=True)
    problems += same(contract, "client_messages", union_types(ClientMessage), exact=False)
    kinds = [k for model in (Function1D, Function2D, FunctionDigits)
             for k in literal(model.model_fields["kind"].annotation)]
    problems += same(contract, "function_kinds", kinds, exact=True)
    problems += same(contract, "tasks", literal(Run.model_fields["task"].annotation), exact=True)
    problems += same(contract, "losses", literal(Run.model_fields["loss"].annotation), exact=True)
    problems += same(contract, "statuses", literal(Run.model_fields["status"].annotation),
                     exact=True)
    served_applied = literal(PatchResult.model_fields["applied"].annotation)
    pending = contract.get("pending", {})
    for value in sorted(set(served_applied) - set(contract["applied"])):
        problems.append(f"applied: the server answers {value!r}, which the page does not handle")
    for value in sorted(set(contract["applied"]) - set(served_applied)):
        if value not in pending.get("applied", []):
            problems.append(f"applied: the page expects {value!r}, which the server never answers")
    for value in pending.get("applied", []):
        if value in served_applied:
            problems.append(f"pending applied {value!r} is served now: drop it from pending")
    for name in pending.get("run", []):
        if name in Run.model_fields:
            problems.append(f"pending Run field {name!r} is served now: drop it from pending")
    for name in contract["options"]:
        if name not in Options.model_fields:
            problems.append(f"the page reads options.{name}, which Options does not have")
    for name in contract["limits"]:
        if name not in Limits.model_fields:
            problems.append(f"the page reads options.limits.{name}, which Limits does not have")
    return problems


def slider_problems(name: str, slider: dict, bounds: tuple) -> list[str]:
    """A slider must offer only values the schema accepts."""
    low, high, low_open, high_open = bounds
    start, stop = slider["min"], slider["max"]
    if slider.get("scale") == "log":
        start, stop = 10.0 ** start, 10.0 ** stop
    problems = []
    if start < low or (low_open and start == low):
        problems.append(f"{name}: the slider starts at {start}, below the schema's bound {low}")
    if stop > high or (high_open and stop == high):
        problems.append(f"{name}: the slider ends at {stop}, above the schema's bound {high}")
    return problems


def same(contract: dict, key: str, served: list, exact: bool) -> list[str]:
    """The page's list `key` against the server's values (exact: equal sets, else a subset)."""
    page = set(contract[key])
    problems = [f"{key}: the page uses {value!r}, which the server does not have"
                for value in sorted(page - set(served))]
    if exact:
        problems += [f"{key}: the server has {value!r}, which the page does not handle"
                     for value in sorted(set(served) - page)]
    return problems


def test_the_pages_contract_matches_the_servers_schemas() -> None:
    assert contract_problems(load_contract()) == []


def test_a_drifted_contract_is_caught_with_every_drift_named(tmp_path: Path) -> None:
    contract = load_contract()
    drifted = json.loads(json.dumps(contract))
    drifted["fields"] = [f for f in drifted["fields"] if f["key"] != "weight_decay"]
    next(f for f in drifted["fields"] if f["key"] == "depth")["kind"] = "float"
    next(f for f in drifted["fields"] if f["key"] == "noise")["path"] = ["dataset", "sigma"]
    next(f for f in drifted["fields"] if f["key"] == "hidden_units")["slider"]["max"] = 5000
    drifted["server_messages"].remove("deleted")
    drifted["client_messages"].append("nesterov")
    drifted["statuses"].append("finished")
    copy = tmp_path / "contract.js"
    text = CONTRACT_JS.read_text()
    start = text.index("{", text.index(MARKER))
    _, end = json.JSONDecoder().raw_decode(text, start)
    copy.write_text(text[:start] + json.dumps(drifted, indent=1) + text[end:])

    problems = contract_problems(load_contract(copy))
    expected = [
        "config field training.weight_decay has no entry",
        "config field dataset.noise has no entry",
        "names dataset.sigma, which the config does not have",
        "depth: kind float, the schema's is int",
        "hidden_units: the slider ends at 5000",
        "server_messages: the server has 'deleted'",
        "client_messages: the page uses 'nesterov'",
        "statuses: the page uses 'finished'",
    ]
    for words in expected:
        assert any(words in problem for problem in problems), (words, problems)
    assert len(problems) == len(expected), problems


def _other_value(spec: dict, default, lists: dict) -> typing.Any:
    """A valid value of a field that differs from its default."""
    kind = spec["kind"]
    if kind == "choice":
        return next(v for v in lists[spec["choices"]] if v != default and "custom" not in v)
    if kind == "bool":
        return not default
    if kind == "batch":
        return 8
    if kind == "points":
        return [*POINTS, {"x": [0.5], "y": 0.5}]
    if kind == "widths":
        return default + 1
    if kind == "features":  # the default dataset has one input
        return lists["features_1d"][:1]
    if "slider" not in spec:
        return default + 1
    low, high = spec["slider"]["min"], spec["slider"]["max"]
    if spec["slider"].get("scale") == "log":
        low, high = 10.0 ** low, 10.0 ** high
    value = low if low != default else high
    return int(value) if kind == "int" else float(value)


@pytest.fixture(scope="module")
def client():
    settings = Settings(device="cpu", rebuild_rate_limit="1000/second",
                        allowed_hosts=("testserver",))
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.mark.parametrize("key", [f["key"] for f in load_contract()["fields"]])
def test_each_field_applies_as_the_table_says(client: TestClient, key: str) -> None:
    """Ask the server: a change of this field alone answers `applied` as the table says."""
    spec = next(f for f in load_contract()["fields"] if f["key"] == key)
    group, name = spec["path"]
    base = {"dataset": {"name": "custom_1d", "points": POINTS}} if spec["kind"] == "points" else {}
    created = client.post("/api/runs", json=base)
    assert created.status_code == 201, created.text
    run = created.json()
    value = _other_value(spec, run["config"][group][name], options_lists())
    try:
        answer = client.patch(f"/api/runs/{run['id']}", json={group: {name: value}})
        assert answer.status_code == 200, answer.text
        assert answer.json()["run"]["config"][group][name] == value
        assert answer.json()["applied"] == APPLIED[spec["applies"]], (key, value)
    finally:
        client.delete(f"/api/runs/{run['id']}")


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_momentum_optimizers_are_those_whose_steps_read_momentum(optimizer: str) -> None:
    """/api/options says which optimizers use momentum; the engine's steps are the reference."""
    def loss_after(momentum: float) -> float:
        config = EngineRunConfig(DatasetConfig("sine", 40), ModelConfig(hidden_units=4),
                                 TrainingConfig(optimizer, 0.05, momentum=momentum))
        return Trainer(config, device="cpu").step(20).train_loss

    uses = loss_after(0.0) != loss_after(0.9)
    assert uses == (optimizer in MOMENTUM_OPTIMIZERS)


def test_every_lessons_config_is_a_run_config_the_server_accepts(client: TestClient) -> None:
    """lessons.json is read by the page and sent as is: each config must be one the server takes."""
    lessons = json.loads((ROOT / "frontend" / "lessons.json").read_text())
    assert len({lesson["id"] for lesson in lessons}) == len(lessons)
    for lesson in lessons:
        RunConfig.model_validate(lesson["config"])  # strict: no unknown or mistyped field
        created = client.post("/api/runs", json=lesson["config"])
        assert created.status_code == 201, (lesson["id"], created.text)
        client.delete(f"/api/runs/{created.json()['id']}")
        scoped = {"baseline", "regions", "discrete", "joints"}  # the toggles a lesson may set
        assert set(lesson.get("view", {})) <= scoped, lesson["id"]
        # a lesson's pace (js/pace.js): steps/s within the play message's bounds, "epoch" or "max"
        pace = lesson.get("pace", "max")
        assert pace in ("max", "epoch") or 0.1 <= pace <= 100_000, lesson["id"]
