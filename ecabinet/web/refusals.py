"""Audit what matters, count the rest.

A refusal caused by a signed-in person goes to the audit chain, every time. A refusal
that nobody signed in caused (a forged form, a guessed enrollment link, a refused
websocket handshake, the rate limiter's own 429) costs an attacker nothing to repeat, and
the chain can never be pruned: so per client address and kind, the first refusal of each
minute is written in full and the others of that minute are only counted, then written as
one ``refused.repeated`` event with their number when the minute is over. The counting
lives in this process's memory, bounded in the number of addresses it tracks.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .. import audit
from ..db import Database
from ..models import utcnow

log = logging.getLogger(__name__)
WINDOW_SECONDS = 60.0
MAX_SOURCES = 10_000
# Past MAX_SOURCES addresses in one minute (a flood from many addresses), the rest share one.
OVERFLOW_SOURCE = "*"
FLUSH_SECONDS = 30.0


@dataclass
class Window:
    source: str
    kind: str
    opened: datetime
    deadline: float
    repeats: int = 0
    last: datetime = field(default_factory=utcnow)


class RefusalTally:
    def __init__(self) -> None:
        self._open: dict[tuple[str, str], Window] = {}
        self._closed: list[Window] = []

    def first(self, source: str, kind: str, now: float | None = None) -> bool:
        """Note one anonymous refusal; True when it is the first of its minute (write it
        to the chain), False when it was only counted."""
        now = time.monotonic() if now is None else now
        key = (source, kind)
        if key not in self._open and len(self._open) >= MAX_SOURCES:
            key = (OVERFLOW_SOURCE, kind)
        window = self._open.get(key)
        if window is not None and now < window.deadline:
            window.repeats += 1
            window.last = utcnow()
            return False
        if window is not None and window.repeats:
            self._closed.append(window)
        self._open[key] = Window(key[0], kind, utcnow(), now + WINDOW_SECONDS)
        return True

    def due(self, now: float | None = None) -> list[Window]:
        """Windows that are over and counted refusals beyond their first: to be written."""
        now = time.monotonic() if now is None else now
        done, self._closed = self._closed, []
        for key, window in list(self._open.items()):
            if now >= window.deadline:
                del self._open[key]
                if window.repeats:
                    done.append(window)
        return done

    def flush_all(self) -> list[Window]:
        return self.due(float("inf"))


async def record(
    db: Database,
    tally: RefusalTally,
    *,
    source: str,
    kind: str,
    actor_id: int | None,
    subject: str,
    **data: Any,
) -> None:
    """Write a refusal: always for a signed-in actor, once a minute per source and kind for
    anyone else. Never raises: the refusal must reach the person even if the log cannot
    be written."""
    anonymous = actor_id is None
    try:
        if anonymous and not tally.first(source, kind):
            return
        async with db.transaction() as tx:
            await audit.record(
                tx.session,
                f"refused.{kind}",
                actor_id=actor_id,
                subject=subject[:128],
                client=source,
                **data,
            )
            if anonymous:
                await _write(tx.session, tally.due())
    except Exception:
        log.exception("could not audit a refusal")


async def flush(db: Database, windows: list[Window]) -> None:
    if not windows:
        return
    try:
        async with db.transaction() as tx:
            await _write(tx.session, windows)
    except Exception:
        log.exception("could not write the count of repeated refusals")


async def _write(session: Any, windows: list[Window]) -> None:
    for window in windows:
        await audit.record(
            session,
            "refused.repeated",
            subject=f"client:{window.source}",
            refused=window.kind,
            count=window.repeats,
            since=window.opened.isoformat(timespec="seconds"),
            until=window.last.isoformat(timespec="seconds"),
        )


async def keep_flushing(db: Database, tally: RefusalTally) -> None:
    """Write the counts of finished minutes, until cancelled (then write all)."""
    try:
        while True:
            await asyncio.sleep(FLUSH_SECONDS)
            await flush(db, tally.due())
    finally:
        with contextlib.suppress(Exception):
            await asyncio.shield(flush(db, tally.flush_all()))
