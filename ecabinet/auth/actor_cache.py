"""Each server process keeps the actors it looked up for a few seconds
(``ECABINET_SESSION_CACHE_SECONDS``), so that a tablet's burst of requests (a ballot's
options and cast, a packet's downloads) does not read its sign-in again for each one.

What would make a cached actor wrong is forgotten at once: ``logins.ended`` (a sign-out, a
revoked or cloned passkey, a rejected recovery) and ``actors.changed`` (a seat added or
changed, a fresh passkey check, a quarantine ended) are heard from this process's bus right
after their commit, and from every other process by PostgreSQL LISTEN/NOTIFY. On
PostgreSQL the cache is used only while this process is listening; while the listening
connection is down, and at its reconnection, everything is forgotten and every request
reads the database. What a lost notification could still allow, and why that is
acceptable, is in docs/security-model.md.

A lookup that began before a change committed must not put what it read back after the
change was heard: every change bumps ``epoch``, and ``put`` drops what was read under an
older one.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from ..db import Database, Tx
from ..events import Event, EventKind, PeopleChanged
from ..settings import Settings
from .actor import Actor

ACTORS_CHANGED = EventKind.ACTORS_CHANGED
# A bound on memory: beyond it the oldest entries go (a few hundred bytes each).
MOST_ENTRIES = 20_000


def actors_changed(tx: Tx, people: Iterable[int], reason: str) -> None:
    """Tell every process, after commit, to read these people's sign-ins afresh."""
    ids = tuple(sorted(set(people)))
    if ids:
        tx.emit(Event.of(ACTORS_CHANGED, PeopleChanged(ids, reason)))


@dataclass(frozen=True)
class _Entry:
    actor: Actor
    until: float  # monotonic


class ActorCache:
    def __init__(self, seconds: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.clock = clock
        # Whether every change reaches this cache (PostgreSQL: while listening).
        self.hears_everything: Callable[[], bool] = lambda: True
        self.epoch = 0
        self._entries: dict[str, _Entry] = {}

    def get(self, token_hash: str) -> Actor | None:
        entry = self._entries.get(token_hash)
        if entry is None:
            return None
        if entry.until <= self.clock() or not self.hears_everything():
            del self._entries[token_hash]
            return None
        return entry.actor

    def put(self, token_hash: str, actor: Actor, epoch: int) -> None:
        """Keep a signed-in actor read while ``epoch`` was current."""
        if (
            self.seconds <= 0
            or not actor.signed_in
            or epoch != self.epoch
            or not self.hears_everything()
        ):
            return
        if len(self._entries) >= MOST_ENTRIES:
            del self._entries[next(iter(self._entries))]
        self._entries[token_hash] = _Entry(actor, self.clock() + self.seconds)

    def forget(self, *, logins: Iterable[int] = (), people: Iterable[int] = ()) -> None:
        ended, changed = set(logins), set(people)
        self.epoch += 1
        for key, entry in list(self._entries.items()):
            if entry.actor.person_id in changed or (
                entry.actor.login is not None and entry.actor.login.id in ended
            ):
                del self._entries[key]

    def clear(self) -> None:
        self.epoch += 1
        self._entries.clear()

    def hear(self, event: Event) -> None:
        if event.kind == EventKind.LOGINS_ENDED:
            self.forget(logins=event.data.get("logins") or ())
        elif event.kind == ACTORS_CHANGED:
            self.forget(people=event.data.get("people") or ())

    async def heard(self, events: Sequence[Event]) -> None:
        for event in events:
            self.hear(event)


# SQLite has one server process; in it, every app on the same database file shares one
# cache (tests run several), so that a change made through any of them is heard.
_SQLITE: weakref.WeakValueDictionary[str, ActorCache] = weakref.WeakValueDictionary()
_BY_DATABASE: weakref.WeakKeyDictionary[Database, ActorCache] = weakref.WeakKeyDictionary()


def cache_for(db: Database, settings: Settings) -> ActorCache:
    """This process's cache for the database, hearing the changes committed through it."""
    cache = _BY_DATABASE.get(db)
    if cache is not None:
        return cache
    if db.is_sqlite:
        cache = _SQLITE.get(db.url)
        if cache is None:
            cache = _SQLITE[db.url] = ActorCache(settings.session_cache_seconds)
    else:
        cache = ActorCache(settings.session_cache_seconds)
        # Until the hub listens, no other process's change would be heard.
        cache.hears_everything = lambda: False
    db.bus.subscribe(cache.heard)
    _BY_DATABASE[db] = cache
    return cache
