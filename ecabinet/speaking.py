"""The list of speakers as pure functions: who speaks next, how long each may speak, and
how long a speech lasted. No I/O; the actions in actions/speakers.py call these.

A point of order goes before every other request (it is about the procedure itself and
cannot wait), in the order it was asked; the other requests keep the chair's order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from .vocab import SpeechKind


@dataclass(frozen=True)
class Waiting:
    """A request still waiting for the floor, as the rules see it."""

    id: int
    kind: SpeechKind
    place: int


def queue(waiting: Sequence[Waiting]) -> list[Waiting]:
    """The waiting requests in the order the floor goes to them."""
    return sorted(waiting, key=lambda w: (w.kind != SpeechKind.POINT_OF_ORDER, w.place, w.id))


def next_place(waiting: Sequence[Waiting]) -> int:
    """The place a new request takes: at the end of the list."""
    return max((w.place for w in waiting), default=0) + 1


def moved(waiting: Sequence[Waiting], request_id: int, to: int) -> dict[int, int]:
    """The places after the chair moves one request to position ``to`` (1 = next) of the
    list as shown; only the requests whose place changes are returned."""
    order = [w for w in queue(waiting) if w.id != request_id]
    mover = next(w for w in waiting if w.id == request_id)
    to = min(max(to, 1), len(order) + 1)
    order.insert(to - 1, mover)
    return {w.id: n for n, w in enumerate(order, start=1) if w.place != n}


def limit_for(kind: SpeechKind, *, speech_seconds: int, reply_seconds: int) -> int:
    """The countdown of a speech: a point of order and a reply are short."""
    return speech_seconds if kind == SpeechKind.SPEAK else reply_seconds


def seconds_between(start: datetime, end: datetime) -> int:
    """Whole seconds a speech lasted (never negative: clocks of two processes differ)."""
    return max(0, round((end - start).total_seconds()))


def remaining(limit: int, started_at: datetime, now: datetime) -> int:
    """Seconds left of the countdown; negative once the speaker runs over."""
    return limit - seconds_between(started_at, now)
