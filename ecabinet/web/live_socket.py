"""``/ws``: one websocket per tablet.

The handshake is refused (and the refusal audited) unless it comes from our own origin
(browsers always send Origin on a websocket, and cookies ride along cross-site, so this
check is what stops another site from opening a tablet's socket) and carries a live
session cookie. The tablet then says which meeting it shows (``{"type": "watch",
"meeting": id}``); it receives that meeting's frames if it may see the meeting, and
answers the heartbeat (``{"type": "pong"}``).
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from ..actions import displays
from ..actions.access import load_meeting, meeting_access
from ..auth.actor import Actor
from ..auth.logins import LOGIN_COOKIE, actor_for_token
from ..errors import CsrfRefused, EcabinetError, TooManyRequests, Unauthenticated
from ..i18n import gettext_for
from ..models import DisplaySeat
from ..realtime import frames, presence
from ..realtime.connection import Connection
from ..realtime.hub import Hub
from ..settings import Settings
from . import refusals
from .common import db_of, settings_of
from .inputs import is_id
from .templating import locale_of

log = logging.getLogger(__name__)


class TooManyConnections(TooManyRequests):
    kind = "too-many-connections"


async def refuse(
    websocket: WebSocket, error: EcabinetError, actor: Actor | None = None, **data: Any
) -> None:
    """Audit the refusal (counted when nobody signed in), then close the handshake (the
    browser sees a 403)."""
    websocket.app.state.metrics.ws_refused[error.kind] += 1
    await _record(
        websocket, error, actor_id=None if actor is None else actor.person_id, subject="/ws", **data
    )
    await websocket.close(code=1008)


async def _record(
    websocket: WebSocket, error: EcabinetError, *, actor_id: int | None, subject: str, **data: Any
) -> None:
    """Every refusal on the live connection is written the way the HTTP error handler
    writes one (web/refusals.py): in full for a signed-in person, counted otherwise."""
    await refusals.record(
        db_of(websocket),
        websocket.app.state.refusals,
        source=websocket.client.host if websocket.client else "",
        kind=error.kind,
        actor_id=actor_id,
        subject=subject,
        method="WS",
        reason=error.detail,
        **data,
    )


async def live_socket(websocket: WebSocket) -> None:
    settings = settings_of(websocket)
    origin = websocket.headers.get("origin")
    if origin is None or origin.rstrip("/") != settings.origin:
        await refuse(
            websocket,
            CsrfRefused(
                "The live connection came from another site (%(origin)s) and was refused.",
                origin=str(origin),
            ),
            origin=str(origin),
        )
        return
    async with db_of(websocket).read() as session:
        actor = await actor_for_token(session, websocket.cookies.get(LOGIN_COOKIE), settings)
        screen = (
            None
            if actor.signed_in
            else await displays.display_for(session, websocket.cookies.get(displays.DISPLAY_COOKIE))
        )
    if screen is not None:
        hub: Hub = websocket.app.state.hub
        if sum(1 for c in hub.connections if c.display_id == screen.id) >= settings.ws_per_session:
            await refuse(
                websocket,
                TooManyConnections(
                    "This display already has %(limit)s live connections open.",
                    limit=settings.ws_per_session,
                ),
                display=screen.id,
            )
            return
        await _serve(
            websocket,
            Connection(websocket, actor, limit=settings.ws_queue_messages, display_id=screen.id),
            settings,
        )
        return
    if not actor.signed_in:
        await refuse(websocket, Unauthenticated("Sign in with your passkey to continue."))
        return
    login_id = None if actor.login is None else actor.login.id
    if (
        login_id is not None
        and await presence.open_for_login(db_of(websocket), settings, login_id)
        >= settings.ws_per_session
    ):
        await refuse(
            websocket,
            TooManyConnections(
                "This sign-in already has %(limit)s live connections open. Close another tab or "
                "device and try again.",
                limit=settings.ws_per_session,
            ),
            actor,
        )
        return
    await _serve(
        websocket, Connection(websocket, actor, limit=settings.ws_queue_messages), settings
    )


async def _serve(websocket: WebSocket, connection: Connection, settings: Settings) -> None:
    await websocket.accept()
    websocket.app.state.metrics.ws_accepted += 1
    hub: Hub = websocket.app.state.hub
    await hub.attach(connection)
    connection.offer(
        frames.dump(
            {
                "type": "hello",
                "person": connection.actor.person_id,
                "heartbeat": settings.ws_heartbeat_seconds,
            }
        )
    )
    try:
        await _listen(websocket, hub, connection, settings.ws_max_message_bytes)
    finally:
        await connection.stop()
        await hub.detach(connection)


async def _listen(websocket: WebSocket, hub: Hub, connection: Connection, limit: int) -> None:
    while not connection.closed:
        try:
            text = await websocket.receive_text()
        except (WebSocketDisconnect, RuntimeError, KeyError):
            return
        connection.last_heard = time.monotonic()
        # The protocol layer (uvicorn's ws_max_size) already refuses larger frames before
        # buffering them; this catches a text that grew when decoded.
        if len(text) > limit:
            await connection.close(1009, "message too large")
            return
        try:
            message = json.loads(text)
        except ValueError:
            continue
        if isinstance(message, dict):
            await _handle(websocket, hub, connection, message)


async def _handle(
    websocket: WebSocket, hub: Hub, connection: Connection, message: dict[str, Any]
) -> None:
    kind = message.get("type")
    if kind == "ping":
        connection.offer(frames.dump({"type": "pong"}))
    elif kind == "watch" and is_id(message.get("meeting")):
        await _watch(websocket, hub, connection, message["meeting"])
    elif kind == "unwatch":
        hub.unwatch(connection)


async def _watch(websocket: WebSocket, hub: Hub, connection: Connection, meeting_id: int) -> None:
    try:
        async with db_of(websocket).read() as session:
            meeting = await load_meeting(session, meeting_id)
            if connection.display_id is not None:
                screen = await session.get(DisplaySeat, connection.display_id)
                assert screen is not None
                view = displays.ensure_shows(screen, meeting)
            else:
                view = (await meeting_access(session, connection.actor, meeting)).view
    except EcabinetError as error:
        if error.audit:
            await _record(
                websocket, error, actor_id=connection.person_id, subject=f"meeting:{meeting_id}"
            )
        _ = gettext_for(locale_of(websocket))
        connection.offer(frames.error(_(error.message, **error.params)))
        return
    hub.watch(connection, meeting_id, view)
    connection.offer(frames.dump({"type": "watching", "meeting": meeting_id}))


def routes() -> list[WebSocketRoute]:
    return [WebSocketRoute("/ws", live_socket, name="live_socket")]
