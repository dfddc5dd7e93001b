"""Domain events and the in-process bus that hands them out after commit."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    """Something that happened, for the people in ``recipients`` (person ids).

    ``meeting_id`` ties live events to a meeting so tablets can number them; an empty
    ``recipients`` with ``audience`` set lets the fan-out resolve recipients itself.
    """

    kind: str
    data: dict[str, Any] = field(default_factory=dict)
    body_id: int | None = None
    meeting_id: int | None = None
    recipients: frozenset[int] = frozenset()
    audience: str = ""


Subscriber = Callable[[Sequence[Event]], Awaitable[None]]


class EventBus:
    """Subscribers receive the events of each committed transaction, in order."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        self._subscribers.append(subscriber)
        return lambda: self._subscribers.remove(subscriber)

    async def publish(self, events: Sequence[Event]) -> None:
        if not events:
            return
        for subscriber in list(self._subscribers):
            try:
                await subscriber(events)
            except Exception:
                # The transaction has committed: a failing listener must not turn a
                # recorded vote into an error for the voter.
                log.exception("event subscriber failed")
