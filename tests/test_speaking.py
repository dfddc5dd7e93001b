"""The list of speakers' rules: a point of order first, the chair's order otherwise, a
move to a place, the countdown of each kind and its overrun."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ecabinet.speaking import Waiting, limit_for, moved, next_place, queue, remaining
from ecabinet.vocab import SpeechKind

SPEAK, ORDER, REPLY = SpeechKind.SPEAK, SpeechKind.POINT_OF_ORDER, SpeechKind.REPLY


def test_a_point_of_order_goes_first_then_the_chairs_order() -> None:
    waiting = [
        Waiting(1, SPEAK, 1),
        Waiting(2, REPLY, 2),
        Waiting(3, ORDER, 3),
        Waiting(4, SPEAK, 4),
        Waiting(5, ORDER, 5),
    ]
    assert [w.id for w in queue(waiting)] == [3, 5, 1, 2, 4]
    assert next_place(waiting) == 6 and next_place([]) == 1


def test_moving_a_request_renumbers_only_the_places_that_change() -> None:
    waiting = [Waiting(1, SPEAK, 1), Waiting(2, SPEAK, 2), Waiting(3, SPEAK, 3)]
    assert moved(waiting, 3, 1) == {3: 1, 1: 2, 2: 3}
    assert moved(waiting, 1, 2) == {1: 2, 2: 1}
    # Past the end is the end; nothing before the first place.
    assert moved(waiting, 1, 99) == {1: 3, 2: 1, 3: 2}
    assert moved(waiting, 2, 0) == {2: 1, 1: 2}


def test_a_point_of_order_and_a_reply_get_the_short_countdown() -> None:
    limits = {"speech_seconds": 300, "reply_seconds": 120}
    assert limit_for(SPEAK, **limits) == 300
    assert limit_for(ORDER, **limits) == limit_for(REPLY, **limits) == 120


def test_the_countdown_runs_over_into_negative_seconds() -> None:
    start = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    assert remaining(120, start, start + timedelta(seconds=45)) == 75
    assert remaining(120, start, start + timedelta(seconds=130)) == -10
