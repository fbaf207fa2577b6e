"""The latest-only slot: a producer that never waits, a consumer that gets the newest frame and
every history point exactly once, and bounded memory for a consumer that never reads."""

from __future__ import annotations

import json

import numpy as np

from server.slot import MAX_BACKLOG, Slot


def rows(start: int, stop: int) -> np.ndarray:
    steps = np.arange(start, stop, 10, dtype=np.float64)
    return np.stack([steps, 1.0 / (1 + steps), 2.0 / (1 + steps)])


async def test_latest_frame_wins_and_history_accumulates() -> None:
    slot = Slot()
    for i in range(50):
        slot.offer_frame(json.dumps({"step": i}).encode(), b"null", rows(i * 100, (i + 1) * 100))
    assert slot.event.is_set() and slot.frames_dropped == 49
    messages = [json.loads(m) for m in slot.take()]
    assert len(messages) == 1 and messages[0]["run"] == {"step": 49}
    assert messages[0]["history"]["step"] == list(range(0, 5000, 10))
    assert not slot.event.is_set() and slot.take() == []


async def test_snapshot_resets_and_overlap_is_dropped() -> None:
    slot = Slot()
    slot.offer_frame(b"{}", b"null", rows(0, 100))
    slot.offer_snapshot(b'{"type": "snapshot"}', last_step=50)
    slot.offer_frame(b"{}", b"null", rows(40, 120))  # 40, 50 were in the snapshot
    out = slot.take()
    assert json.loads(out[0]) == {"type": "snapshot"}
    assert json.loads(out[1])["history"]["step"] == [60, 70, 80, 90, 100, 110]


async def test_a_stalled_client_holds_bounded_memory() -> None:
    slot = Slot()
    for i in range(5 * MAX_BACKLOG // 10):
        slot.offer_frame(b"{}", b"null", rows(i * 100, (i + 1) * 100))
        assert slot.backlog <= MAX_BACKLOG
    assert slot.needs_snapshot  # the stream asks for a snapshot instead of sending a gap
    assert all(m for m in slot.take())
    slot.offer_notice(b"1")
    slot.close(b'{"type": "deleted"}')
    assert slot.take() == [b"1", b'{"type": "deleted"}'] and slot.closed
