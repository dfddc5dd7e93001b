"""Display seats: the secretariat enrolls a room's projector to show the room display of
the body's meetings without anyone signing in on it.

A display seat is nobody. It holds no passkey, no membership and no permission: every
route but the room display and its state answers it as it answers a stranger. The
secretariat issues a one-time link (audited, short-lived); opening it on the projector
and confirming gives that browser a cookie whose hash is stored here; the secretariat can
revoke it at once (audited), and its live connections close within a heartbeat.

What a secretariat could do with one: watch the room display from elsewhere, which shows
what the projector shows to the room and nothing more (no documents but the page the
chair presents, no positions, no secret ballot's choices, never a vote).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from .. import audit
from ..auth.actor import Actor
from ..db import Tx
from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..models import Body, DisplaySeat, Meeting, utcnow
from ..settings import Settings
from ..vocab import MeetingState
from . import seat_view
from .access import ensure_prepares, load_body
from .seat_view import SeatFacts, SeatView

DISPLAY_COOKIE = "ecab_display"
LINK_VALID = timedelta(hours=1)
MAX_NAME = 120


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class DisplayLinkUnusable(Conflict):
    title = "This display link cannot be used"
    kind = "display-link-unusable"
    audit = True


async def issue(
    tx: Tx, settings: Settings, actor: Actor, body_id: int, name: str
) -> tuple[DisplaySeat, str]:
    """A new display seat of the body and its one-time enrollment link (valid one hour)."""
    body = await load_body(tx.session, body_id)
    ensure_prepares(actor, body_id)
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME:
        raise ValidationFailed(
            "Name the display (the room and the screen), in at most %(limit)s characters.",
            limit=MAX_NAME,
        )
    token = secrets.token_urlsafe(32)
    seat = DisplaySeat(
        body_id=body_id,
        name=name,
        link_hash=_hash(token),
        link_expires_at=utcnow() + LINK_VALID,
        created_by_id=actor.person_id,
    )
    tx.session.add(seat)
    await tx.session.flush()
    await audit.record(
        tx.session,
        "display.issued",
        actor_id=actor.person_id,
        body_id=body.id,
        subject=f"display:{seat.id}",
        name=name,
    )
    return seat, f"{settings.origin}/display/enroll/{token}"


async def pending(db: AsyncSession, token: str) -> tuple[DisplaySeat, Body]:
    """The display seat a link enrolls, or why it cannot."""
    seat = (await db.exec(select(DisplaySeat).where(DisplaySeat.link_hash == _hash(token)))).first()
    if seat is None or seat.revoked_at is not None:
        raise DisplayLinkUnusable(
            "This display link is not valid (it was used, revoked or "
            "mistyped). Ask the secretariat for a new one."
        )
    if seat.link_expires_at < utcnow():
        raise DisplayLinkUnusable(
            "This display link has expired. Ask the secretariat for a new one."
        )
    body = await db.get(Body, seat.body_id)
    assert body is not None
    return seat, body


async def enroll(tx: Tx, token: str, *, client: str = "") -> tuple[DisplaySeat, str]:
    """Make this browser the display seat: the link is used up, and the cookie token it
    returns is the only key the screen keeps."""
    seat, _ = await pending(tx.session, token)
    cookie = secrets.token_urlsafe(32)
    seat.link_hash, seat.token_hash, seat.enrolled_at = None, _hash(cookie), utcnow()
    tx.session.add(seat)
    await audit.record(
        tx.session,
        "display.enrolled",
        body_id=seat.body_id,
        subject=f"display:{seat.id}",
        name=seat.name,
        client=client[:80],
    )
    return seat, cookie


async def display_for(db: AsyncSession, cookie: str | None) -> DisplaySeat | None:
    """The enrolled, unrevoked display seat a cookie stands for."""
    if not cookie:
        return None
    seat = (
        await db.exec(select(DisplaySeat).where(DisplaySeat.token_hash == _hash(cookie)))
    ).first()
    if seat is None or seat.revoked_at is not None or seat.enrolled_at is None:
        return None
    return seat


async def revoke(tx: Tx, actor: Actor, display_id: int) -> DisplaySeat:
    seat = await tx.session.get(DisplaySeat, display_id)
    if seat is None:
        raise NotFound("There is no display number %(id)s.", id=display_id)
    ensure_prepares(actor, seat.body_id)
    if seat.revoked_at is not None:
        raise Conflict("This display was already revoked.")
    seat.revoked_at, seat.revoked_by_id = utcnow(), actor.person_id
    seat.link_hash = seat.token_hash = None
    tx.session.add(seat)
    await audit.record(
        tx.session,
        "display.revoked",
        actor_id=actor.person_id,
        body_id=seat.body_id,
        subject=f"display:{seat.id}",
        name=seat.name,
    )
    return seat


async def of_body(db: AsyncSession, actor: Actor, body_id: int) -> list[DisplaySeat]:
    ensure_prepares(actor, body_id)
    rows = await db.exec(
        select(DisplaySeat).where(DisplaySeat.body_id == body_id).order_by(col(DisplaySeat.id))
    )
    return list(rows.all())


async def revoked_among(db: AsyncSession, ids: set[int]) -> set[int]:
    """Which of these display seats are no longer valid (their sockets close)."""
    if not ids:
        return set()
    rows = await db.exec(
        select(DisplaySeat.id).where(
            col(DisplaySeat.id).in_(ids), col(DisplaySeat.revoked_at).is_not(None)
        )
    )
    return {i for i in rows.all() if i is not None}


async def meeting_shown(db: AsyncSession, seat: DisplaySeat) -> Meeting | None:
    """The meeting a display of the body shows now: the one in session, else the next
    published one, else the last closed."""
    meetings = list(
        (
            await db.exec(
                select(Meeting)
                .where(Meeting.body_id == seat.body_id, Meeting.state != MeetingState.DRAFT.value)
                .order_by(col(Meeting.starts_at))
            )
        ).all()
    )
    for state in (MeetingState.IN_SESSION.value, MeetingState.PUBLISHED.value):
        found = [m for m in meetings if m.state == state]
        if found:
            return found[0]
    return meetings[-1] if meetings else None


def ensure_shows(seat: DisplaySeat, meeting: Meeting) -> SeatView:
    """A display shows its own body's meetings once published, nothing else
    (seat_view.decide); the view it sees them with."""
    view = seat_view.decide(SeatFacts(None, display=seat.body_id == meeting.body_id), meeting.state)
    if view.refusal is not None:
        raise Forbidden(view.refusal)
    return view
