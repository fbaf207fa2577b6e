"""The per-connection mailbox: consecutive updates merge (latest value per field wins, fields of
older ones stay), other commands keep their order, the bound refuses instead of growing, and
closing drops what waits. The reference for a merge is applying both patches one after another."""

from __future__ import annotations

import asyncio

import pytest
from pydantic import TypeAdapter

from server.mailbox import Mailbox, merge_updates
from server.schemas import ClientMessage, RunConfig, UpdateMessage

MESSAGE = TypeAdapter(ClientMessage)


def message(value: dict):
    return MESSAGE.validate_python(value)


def update(**sections) -> UpdateMessage:
    return message({"type": "update", "config": sections})


def applied(config: RunConfig, *updates: UpdateMessage) -> RunConfig:
    """What a patch does with each update in turn (sections merge, null sections are skipped)."""
    for one in updates:
        merged = config.model_dump()
        for section, values in one.config.model_dump(exclude_unset=True).items():
            if values is not None:
                merged[section].update(values)
        config = RunConfig.model_validate(merged)
    return config


def drain(box: Mailbox) -> list:
    out = []
    while len(box):
        out.append(asyncio.run(box.get()))
    return out


def test_consecutive_updates_merge_into_one_with_the_latest_values() -> None:
    box = Mailbox()
    updates = [update(dataset={"seed": 1, "noise": 0.2}),
               update(dataset={"seed": 2}, training={"learning_rate": 0.05}),
               update(training={"batch_size": None}, model=None),
               update(dataset={"seed": 3, "points": [{"x": [0.5], "y": 1.0}]})]
    for one in updates:
        assert box.put(one)
    (merged,) = drain(box)
    assert merged.config.model_dump(exclude_unset=True) == {
        "dataset": {"seed": 3, "noise": 0.2, "points": [{"x": [0.5], "y": 1.0}]},
        "training": {"learning_rate": 0.05, "batch_size": None}}  # a null section: no change
    base = RunConfig.model_validate({"training": {"batch_size": 16}})
    assert applied(base, merged) == applied(base, *updates)


def test_updates_do_not_merge_across_other_commands() -> None:
    box = Mailbox()
    sent = [update(model={"depth": 2}), message({"type": "pause"}), update(model={"depth": 3}),
            message({"type": "step", "steps": 5}), update(model={"depth": 4})]
    for one in sent:
        box.put(one)
    assert drain(box) == sent


def test_the_bound_refuses_and_never_grows() -> None:
    box = Mailbox(limit=4)
    steps = [message({"type": "step", "steps": n}) for n in range(1, 8)]
    accepted = [box.put(step) for step in steps]
    assert accepted == [True] * 4 + [False] * 3 and len(box) == 4
    assert box.put(message({"type": "pause"})) is False
    assert drain(box) == steps[:4]  # the first ones, in order; the surplus is gone


def test_an_update_behind_a_waiting_update_still_fits_a_full_box() -> None:
    box = Mailbox(limit=2)
    box.put(message({"type": "play"}))
    box.put(update(dataset={"seed": 1}))
    assert box.put(update(dataset={"seed": 2}))  # merges: no more room needed
    assert not box.put(message({"type": "pause"}))
    assert [m.type for m in drain(box)] == ["play", "update"]


def test_closing_drops_what_waits_and_wakes_the_applier() -> None:
    async def scenario() -> None:
        box = Mailbox()
        waiting = asyncio.create_task(box.get())
        await asyncio.sleep(0)
        box.put(message({"type": "play"}))
        assert (await waiting).type == "play"
        box.put(message({"type": "pause"}))
        box.put(update(model={"depth": 2}))
        later = asyncio.create_task(box.get())
        assert box.close() == 2  # close before the applier ran: both dropped, never applied
        assert await later is None
        assert await box.get() is None
        assert not box.put(message({"type": "play"}))

    asyncio.run(scenario())


def test_a_refused_update_goes_back_first_and_newer_fields_win() -> None:
    box = Mailbox()
    refused = update(dataset={"seed": 1}, training={"learning_rate": 0.05})
    box.put(update(dataset={"seed": 2}))  # came in while `refused` was being tried
    box.put(message({"type": "pause"}))
    box.retry_first(refused)
    first, pause = drain(box)
    assert first.config.model_dump(exclude_unset=True) == {
        "dataset": {"seed": 2}, "training": {"learning_rate": 0.05}}
    assert pause.type == "pause"
    box.retry_first(refused)  # nothing waits: back on its own, and later updates merge into it
    box.put(update(training={"learning_rate": 0.1}))
    (merged,) = drain(box)
    assert merged.config.model_dump(exclude_unset=True) == {
        "dataset": {"seed": 1}, "training": {"learning_rate": 0.1}}


@pytest.mark.parametrize("older, newer", [
    ({"model": {"depth": 2}}, {"model": {"hidden_units": 4}}),
    ({"dataset": {"points": [{"x": [0.1], "y": 0.0}]}}, {"dataset": {"points": None}}),
    ({"training": {"seed": 5}}, {"training": None}),
])
def test_a_merge_equals_applying_both(older: dict, newer: dict) -> None:
    base = RunConfig()
    one, two = update(**older), update(**newer)
    assert applied(base, merge_updates(one, two)) == applied(base, one, two)
