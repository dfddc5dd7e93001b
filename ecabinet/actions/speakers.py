"""The list of speakers of the item being taken: members ask for the floor (to speak, on a
point of order, to reply) and see their place; the chair (or the secretariat on the
chair's behalf) gives the floor, reorders the list, ends a speech, closes and reopens the
list. Each step is audited and reaches every screen as a fresh live state.

The order and the countdown are pure rules (ecabinet/speaking.py); the minutes read who
spoke, in order, and for how long from the rows this module writes.
"""

from __future__ import annotations

from .. import audit, speaking
from ..auth.actor import Actor
from ..auth.permissions import ensure_signed_in
from ..db import Tx
from ..errors import Forbidden, NotFound, ValidationFailed
from ..events import EventKind
from ..models import AgendaItem, Body, Meeting, SpeakerRequest, utcnow
from ..vocab import SpeechKind, SpeechState
from .access import load_meeting
from .attendance import VOTING_ROLES
from .session import Phase, SessionRefused, emit, ensure_runs, phase_of
from .speaker_rows import end_current, rows_of

# While an item is taken (or voted on) members may ask for the floor; the chair gives it
# only while no vote is open.
ASKING = frozenset({Phase.ITEM, Phase.VOTING})


async def _current(tx: Tx, meeting_id: int) -> tuple[Meeting, AgendaItem, Phase]:
    meeting = await load_meeting(tx.session, meeting_id, lock=True)
    phase = await phase_of(tx, meeting)
    if phase not in ASKING or meeting.current_item_id is None:
        raise SessionRefused(
            "The list of speakers is kept for the item being taken; no item is being taken now."
        )
    item = await tx.session.get(AgendaItem, meeting.current_item_id)
    assert item is not None
    return meeting, item, phase


def _waiting(rows: list[SpeakerRequest]) -> list[speaking.Waiting]:
    return [
        speaking.Waiting(r.id or 0, SpeechKind(r.kind), r.place)
        for r in rows
        if r.state == SpeechState.WAITING.value
    ]


async def _changed(tx: Tx, actor: Actor, meeting: Meeting, what: str, **data: object) -> None:
    """Audit the step and refresh every screen that shows the meeting."""
    await audit.record(
        tx.session,
        f"speakers.{what}",
        actor_id=actor.person_id,
        body_id=meeting.body_id,
        subject=f"meeting:{meeting.id}",
        **data,
    )
    emit(tx, meeting, EventKind.SPEAKERS_CHANGED, step=what, **data)


def _speaking_seat(actor: Actor, meeting: Meeting) -> int:
    ensure_signed_in(actor)
    seat = actor.seat(meeting.body_id)
    if seat is None or seat.id is None or seat.role not in VOTING_ROLES:
        raise Forbidden("Only members of the body ask for the floor on the list of speakers.")
    return seat.id


async def request_floor(tx: Tx, actor: Actor, meeting_id: int, kind: str) -> SpeakerRequest:
    """Put the member on the list of the item being taken, at its end (a point of order
    goes first); refused when they already wait, or the chair closed the list (a point of
    order is still heard)."""
    if kind not in {k.value for k in SpeechKind}:
        raise ValidationFailed("Ask to speak, to raise a point of order, or to reply.")
    meeting, item, _ = await _current(tx, meeting_id)
    seat_id = _speaking_seat(actor, meeting)
    assert item.id is not None
    if item.speakers_closed_at is not None and kind != SpeechKind.POINT_OF_ORDER.value:
        raise SessionRefused(
            "The chair has closed the list of speakers on this item; only a "
            "point of order can still be raised."
        )
    rows = await rows_of(tx, item.id, SpeechState.WAITING, SpeechState.SPEAKING)
    if any(r.membership_id == seat_id for r in rows):
        raise SessionRefused(
            "You are already on the list of speakers for this item; withdraw first to ask again."
        )
    request = SpeakerRequest(
        meeting_id=meeting_id,
        item_id=item.id,
        membership_id=seat_id,
        kind=kind,
        place=speaking.next_place(_waiting(rows)),
    )
    tx.session.add(request)
    await tx.session.flush()
    await _changed(
        tx, actor, meeting, "requested", request=request.id, item=item.id, seat=seat_id, speech=kind
    )
    return request


async def _request(tx: Tx, request_id: int, meeting: Meeting | None = None) -> SpeakerRequest:
    request = await tx.session.get(SpeakerRequest, request_id)
    if request is None or (meeting is not None and request.meeting_id != meeting.id):
        raise NotFound("There is no request to speak with the number %(id)s.", id=request_id)
    return request


async def withdraw(tx: Tx, actor: Actor, request_id: int) -> SpeakerRequest:
    """A member takes their own waiting request back."""
    request = await _request(tx, request_id)
    meeting = await load_meeting(tx.session, request.meeting_id, lock=True)
    if _speaking_seat(actor, meeting) != request.membership_id:
        raise Forbidden("Only the member who asked for the floor can withdraw the request.")
    if request.state != SpeechState.WAITING.value:
        raise SessionRefused("This request is no longer waiting; it cannot be withdrawn.")
    request.state = SpeechState.WITHDRAWN.value
    tx.session.add(request)
    await _changed(tx, actor, meeting, "withdrawn", request=request.id, item=request.item_id)
    return request


async def give_floor(
    tx: Tx, actor: Actor, meeting_id: int, request_id: int | None = None
) -> SpeakerRequest:
    """The chair gives the floor to the next on the list (or to ``request_id``); the
    speech before ends now. The countdown is the body's for that kind of request."""
    meeting, item, phase = await _current(tx, meeting_id)
    ensure_runs(actor, meeting)
    if phase == Phase.VOTING:
        raise SessionRefused("A vote is open: close it before giving the floor.")
    assert item.id is not None
    waiting = await rows_of(tx, item.id, SpeechState.WAITING)
    order = speaking.queue(_waiting(waiting))
    if not order:
        raise SessionRefused("Nobody is waiting on the list of speakers.")
    chosen_id = order[0].id if request_id is None else request_id
    chosen = next((r for r in waiting if r.id == chosen_id), None)
    if chosen is None:
        raise SessionRefused("This request is not waiting on the list of the item being taken.")
    ended = await end_current(tx, item.id)
    body = await tx.session.get(Body, meeting.body_id)
    assert body is not None
    chosen.state, chosen.started_at = SpeechState.SPEAKING.value, utcnow()
    chosen.limit_seconds = speaking.limit_for(
        SpeechKind(chosen.kind),
        speech_seconds=body.speech_seconds,
        reply_seconds=body.reply_seconds,
    )
    tx.session.add(chosen)
    await _changed(
        tx,
        actor,
        meeting,
        "granted",
        request=chosen.id,
        item=item.id,
        seat=chosen.membership_id,
        seconds=chosen.limit_seconds,
        ended=None if ended is None else ended.id,
    )
    return chosen


async def end_speech(tx: Tx, actor: Actor, meeting_id: int) -> SpeakerRequest:
    """The chair ends the current speech (its length goes to the minutes)."""
    meeting, item, _ = await _current(tx, meeting_id)
    ensure_runs(actor, meeting)
    assert item.id is not None
    ended = await end_current(tx, item.id)
    if ended is None:
        raise SessionRefused("Nobody has the floor.")
    await _changed(tx, actor, meeting, "ended", request=ended.id, item=item.id)
    return ended


async def move(tx: Tx, actor: Actor, request_id: int, to: int) -> SpeakerRequest:
    """The chair moves a waiting request to place ``to`` of the list (1 = next)."""
    request = await _request(tx, request_id)
    meeting, item, _ = await _current(tx, request.meeting_id)
    ensure_runs(actor, meeting)
    if request.item_id != item.id or request.state != SpeechState.WAITING.value:
        raise SessionRefused("This request is not waiting on the list of the item being taken.")
    rows = await rows_of(tx, request.item_id, SpeechState.WAITING)
    for row in rows:
        place = speaking.moved(_waiting(rows), request_id, to).get(row.id or 0)
        if place is not None:
            row.place = place
            tx.session.add(row)
    await _changed(tx, actor, meeting, "moved", request=request.id, item=item.id, to=to)
    return request


async def close_list(tx: Tx, actor: Actor, meeting_id: int, *, closed: bool = True) -> AgendaItem:
    """Close (or reopen) the list of the item being taken; who waits keeps their place."""
    meeting, item, _ = await _current(tx, meeting_id)
    ensure_runs(actor, meeting)
    if closed and item.speakers_closed_at is not None:
        raise SessionRefused("The list of speakers is already closed.")
    if not closed and item.speakers_closed_at is None:
        raise SessionRefused("The list of speakers is already open.")
    item.speakers_closed_at = utcnow() if closed else None
    tx.session.add(item)
    await _changed(tx, actor, meeting, "closed" if closed else "reopened", item=item.id)
    return item
