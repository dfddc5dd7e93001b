"""The connection hub of one server process: who is connected, who watches which
meeting, and the per-meeting channels that turn committed events into frames.

Events arrive after commit: from the in-process bus on SQLite (one process), from
PostgreSQL LISTEN/NOTIFY otherwise (every process hears every commit, its own included,
in commit order). Each goes to the meeting's channel and, when its audience is one that
gets notices, to the connections that audience's route picks (``ROUTES``: one route per
``events.Audience``, so an event cannot be dropped for want of a route).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

from ..actions import displays, seat_view
from ..actions.live_state import snapshot
from ..actions.seat_view import SeatView
from ..auth.actor_cache import ActorCache
from ..auth.login_ends import LOGINS_ENDED
from ..auth.permissions import Permission, can
from ..db import Database
from ..events import Audience, Event
from ..models import Meeting
from ..settings import Settings
from . import frames, presence
from .channel import Channel
from .connection import Connection
from .listener import PgListener
from .states import StateCache

log = logging.getLogger(__name__)

# Picks, among this process's connections, those a notice goes to.
Route = Callable[[Event, Connection], bool]


def seated(event: Event, connection: Connection) -> bool:
    return event.body_id is not None and event.body_id in connection.bodies


def named(event: Event, connection: Connection) -> bool:
    return connection.person_id in event.recipients


def matrix_viewers(event: Event, connection: Connection) -> bool:
    return event.body_id is not None and can(
        connection.actor, Permission.VIEW_POSITIONS, event.body_id
    )


# One route per audience. MEETING has none on purpose: its events reach the tablets
# through the meeting's state (the channel), never forwarded as they are.
ROUTES: dict[Audience, Route | None] = {
    Audience.MEETING: None,
    Audience.BODY: seated,
    Audience.PEOPLE: named,
    Audience.POSITIONS: matrix_viewers,
    Audience.LOGINS: None,  # closes connections (deliver_one), shows nothing
}


# A resync of every tablet is spread over this much time per tablet of the process,
# within these bounds: 2,000 tablets ask over 8 s, each at a random moment.
RESYNC_MS_PER_TABLET = 4
RESYNC_SPREAD_MS = (1000, 10_000)


# A tablet that answered none of this many pings in a row is disconnected.
MISSED_PINGS = 3


def _deaf() -> bool:
    return False


def resync_spread_ms(tablets: int) -> int:
    low, high = RESYNC_SPREAD_MS
    return max(low, min(high, tablets * RESYNC_MS_PER_TABLET))


class Hub:
    def __init__(self, db: Database, settings: Settings, actors: ActorCache | None = None) -> None:
        self.db = db
        self.settings = settings
        # This process's cached sign-ins: told of other processes' changes here.
        self.actors = actors
        self.process = f"{socket.gethostname()}:{os.getpid()}"[:80]
        self.connections: set[Connection] = set()
        self.watchers: dict[int, set[Connection]] = {}
        self.channels: dict[int, Channel] = {}
        self.states = StateCache()
        self.listener: PgListener | None = None
        self._tasks: list[asyncio.Task[Any]] = []
        self._unsubscribe: Any = None
        self._closing: set[asyncio.Task[None]] = set()
        # When the last pings went out (monotonic), oldest first.
        self._pings: deque[float] = deque(maxlen=MISSED_PINGS)
        self._presence: asyncio.Task[None] | None = None

    # --- life cycle -------------------------------------------------------------------

    async def start(self) -> None:
        if self.db.is_sqlite:
            self._unsubscribe = self.db.bus.subscribe(self.deliver)
        else:
            # LISTEN needs a session of its own: a direct URL when the pool goes through
            # PgBouncer in transaction pooling.
            self.listener = PgListener(
                self.settings.listen_database_url or self.db.url, self.heard, self.lost_events
            )
            await self.listener.start()
            if self.actors is not None:
                self.actors.hears_everything = self.listener.listening
        loop = asyncio.get_running_loop()
        self._tasks.append(loop.create_task(self._heartbeats()))

    async def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        if self.listener is not None:
            if self.actors is not None:
                self.actors.hears_everything = _deaf
                self.actors.clear()
            await self.listener.stop()
        tasks = [*self._tasks, *([self._presence] if self._presence is not None else [])]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for channel in self.channels.values():
            await channel.stop()
        for connection in list(self.connections):
            await connection.close(1012, "server restarting")

    # --- connections ------------------------------------------------------------------

    async def attach(self, connection: Connection) -> None:
        self.connections.add(connection)
        if connection.display_id is None:  # a display is nobody: it is never "present"
            await presence.connected(self.db, connection, self.process)

    async def detach(self, connection: Connection) -> None:
        self.connections.discard(connection)
        self.unwatch(connection)
        connection.closed = True
        if connection.display_id is None:
            await presence.disconnected(self.db, connection.id)

    def watch(self, connection: Connection, meeting_id: int, view: SeatView) -> None:
        """Send the meeting's frames to this connection, as ``view`` lets its seat see them."""
        self.unwatch(connection)
        connection.meeting_id, connection.view = meeting_id, view
        self.watchers.setdefault(meeting_id, set()).add(connection)

    def unwatch(self, connection: Connection) -> None:
        if connection.meeting_id is not None:
            watching = self.watchers.get(connection.meeting_id)
            if watching is not None:
                watching.discard(connection)
            connection.meeting_id = None

    # --- events in, frames out --------------------------------------------------------

    async def deliver(self, events: Sequence[Event]) -> None:
        for event in events:
            self.deliver_one(event)

    def heard(self, event: Event) -> None:
        """An event committed by any process, this one included (PostgreSQL)."""
        if self.actors is not None:
            self.actors.hear(event)
        self.deliver_one(event)

    def deliver_one(self, event: Event) -> None:
        if event.kind == LOGINS_ENDED:
            self._close_logins(set(event.data.get("logins") or ()))
            return
        if event.meeting_id is not None and self.watchers.get(event.meeting_id):
            self._channel(event.meeting_id).push(event)
        route = ROUTES[event.audience]
        # A trimmed event lost its data and recipients on the way: it only refreshes.
        if route is not None and not event.trimmed:
            self._notify(event, route)

    def _close_logins(self, logins: set[int]) -> None:
        """Logins ended elsewhere (a revoked or cloned passkey): their sockets close now."""
        for connection in list(self.connections):
            if connection.login_id in logins:
                task = asyncio.get_running_loop().create_task(connection.close(4401, "signed out"))
                self._closing.add(task)
                task.add_done_callback(self._closing.discard)

    def lost_events(self) -> None:
        """The bus between processes was interrupted: everyone resyncs, spread over a few
        seconds (the more tablets, the longer) rather than all at the same instant.
        Whatever this process cached of sign-ins may have missed a change: forgotten."""
        if self.actors is not None:
            self.actors.clear()
        for channel in self.channels.values():
            channel.reset()
        frame = frames.resync(resync_spread_ms(len(self.connections)))
        for connection in self.connections:
            connection.offer(frame)

    def _channel(self, meeting_id: int) -> Channel:
        channel = self.channels.get(meeting_id)
        if channel is None:
            channel = Channel(meeting_id, self._snapshot, self.broadcast)
            self.channels[meeting_id] = channel
        return channel

    async def _snapshot(self, meeting_id: int, attendance: bool) -> dict[str, Any] | None:
        async with self.db.read() as session:
            meeting = await session.get(Meeting, meeting_id)
            if meeting is None:
                return None
            if attendance:  # shared with the tablets that fetch it next
                return await self.states.state(session, meeting)
            return await snapshot(session, meeting, attendance=False)

    def broadcast(self, meeting_id: int, frame: str) -> None:
        # Scoped once per distinct view (guests for the same items share theirs).
        scoped: dict[SeatView, str | None] = {}
        for connection in list(self.watchers.get(meeting_id, ())):
            view = connection.view
            if view is None:
                continue  # what its seat sees is not known: it receives nothing
            if view not in scoped:
                scoped[view] = seat_view.frame_for(frame, view)
            seen = scoped[view]
            if seen is not None:
                connection.offer(seen)

    def _notify(self, event: Event, route: Route) -> None:
        targets = [c for c in self.connections if route(event, c)]
        if targets:
            frame = frames.notice(event)
            for connection in targets:
                connection.offer(frame)

    # --- heartbeats and presence ------------------------------------------------------

    async def _heartbeats(self) -> None:
        interval = max(self.settings.ws_heartbeat_seconds, 1)
        while True:
            await asyncio.sleep(interval)
            try:
                await self.beat()
            except Exception:
                log.exception("heartbeat failed")

    async def beat(self) -> None:
        """Drop the tablets that answered none of the last pings, ping the others, and
        keep presence and sign-ins current.

        Silence is counted in pings this process sent, not in seconds: a beat that comes
        late (the event loop was busy, or the database kept the last presence sweep
        waiting) does not make every tablet look silent. The sweep runs in a task of its
        own, one at a time, so a database slow to answer never holds up the pings. A soak
        of 200 tablets saw a sweep wait 30 s for SQLite's write lock and the next beat
        disconnect all 200 tablets, which then counted as away."""
        since = self._pings[0] if len(self._pings) == MISSED_PINGS else None
        silent = {c for c in self.connections if since is not None and c.last_heard < since}
        self._pings.append(time.monotonic())
        for connection in self.connections:
            if connection not in silent:
                connection.offer(frames.PING)
        if silent:
            await asyncio.gather(*(c.close(4408, "heartbeat missed") for c in silent))
        if self._presence is None or self._presence.done():
            self._presence = asyncio.get_running_loop().create_task(self._keep_presence())

    async def _keep_presence(self) -> None:
        try:
            await self.keep_presence()
        except Exception:
            log.exception("presence sweep failed")

    async def keep_presence(self) -> None:
        """Refresh this process's connections, reconcile presence, and close the sockets
        of sign-ins that ended and of displays that were revoked."""
        people = [c for c in self.connections if c.display_id is None]
        ended = await presence.sweep(self.db, self.settings, people)
        await asyncio.gather(*(c.close(4401, "signed out") for c in people if c.login_id in ended))
        screens = {c.display_id for c in self.connections if c.display_id is not None}
        if screens:
            async with self.db.read() as session:
                revoked = await displays.revoked_among(session, screens)
            await asyncio.gather(
                *(
                    c.close(4401, "display revoked")
                    for c in list(self.connections)
                    if c.display_id in revoked
                )
            )
