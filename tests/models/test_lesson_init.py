"""The init_at_depth claim's check (tests/models/lesson_init.py) can fail: turned around (the
lesson started with He init, compared with the default) every part of it is reported."""

from tests.models.lesson_init import check_init_at_depth
from tests.models.test_lessons import LESSONS, merged, train


def test_the_init_claim_fails_turned_around() -> None:
    lesson = next(lesson for lesson in LESSONS if lesson["id"] == "init_at_depth")
    claim = lesson["claim"]["init_at_depth"]
    turned = {**claim, "steady_with": {**claim["steady_with"],
                                       "config": {"model": {"init": "default"}}}}
    he = merged(lesson["config"], {"model": {"init": "he"}})
    failed = check_init_at_depth(he, turned, lesson["claim"]["steps"], train, merged)
    assert len(failed) == 3, failed  # not vanishing, default not steady, He not 10x worse
    assert "first layer's gradient" in failed[0] and "spread" in failed[1]
    assert "after 300 steps" in failed[2]
