"""Triage: which items are debated and which are adopted together without debate.

An item with any "disagree" or "wish to discuss" is contested (rules.is_contested); whether
a missing position contests it is the body's setting. The others form the consent block.
Triage runs at the opinion deadline (the sweeper, or the first look at the agenda after
it) and on demand before. The secretariat may move an item either way with a written
reason, and any member may pull an item out of the consent block until it is adopted;
such human decisions are kept when the triage runs again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from sqlmodel import col, select

from .. import audit
from ..auth.actor import Actor
from ..auth.permissions import Permission, ensure
from ..db import Tx
from ..errors import Conflict, ValidationFailed
from ..events import Event, EventKind, ItemStatusChanged, MeetingChanged
from ..i18n import N_
from ..models import (
    AgendaItem,
    AuditEvent,
    Body,
    Meeting,
    Membership,
    Person,
    Position,
    rules_of,
    utcnow,
)
from ..rules import Rules, is_contested
from ..vocab import ItemStatus, MeetingState
from . import positions
from .positions import OPEN_ITEM_STATES, deadline_of

MAX_REASON = 2_000
STATUS_LABELS: dict[str, str] = {
    ItemStatus.PENDING.value: N_("Not yet triaged"),
    ItemStatus.CONSENT.value: N_("Consent block"),
    ItemStatus.CONTESTED.value: N_("Contested"),
    ItemStatus.ADOPTED.value: N_("Adopted"),
    ItemStatus.REJECTED.value: N_("Not adopted"),
    ItemStatus.CONCLUDED.value: N_("Concluded"),
    ItemStatus.DEFERRED.value: N_("Deferred"),
}
PULLED = N_("Pulled from the consent block by a member.")
MISSING = "missing"


@dataclass
class ItemCounts:
    stances: Counter[str] = field(default_factory=Counter)
    missing: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            **{s: self.stances.get(s, 0) for s in positions.STANCE_LABELS},
            MISSING: self.missing,
        }


@dataclass(frozen=True)
class Triage:
    meeting: Meeting
    items: list[AgendaItem]
    counts: dict[int, ItemCounts]

    def having(self, status: str) -> list[AgendaItem]:
        return [i for i in self.items if i.status == str(status)]

    @property
    def consent(self) -> list[AgendaItem]:
        return self.having(ItemStatus.CONSENT)

    @property
    def contested(self) -> list[AgendaItem]:
        return self.having(ItemStatus.CONTESTED)

    @property
    def agenda(self) -> list[AgendaItem]:
        """The live agenda: the consent block first, then the contested items in order."""
        pending = self.having(ItemStatus.PENDING)
        return self.consent + self.contested + pending

    @property
    def decided(self) -> list[AgendaItem]:
        return [i for i in self.items if i.status not in OPEN_ITEM_STATES]


def triage_due(meeting: Meeting, now: datetime | None = None) -> bool:
    """Whether the deadline passed since the last triage (and the block is not adopted)."""
    deadline = deadline_of(meeting)
    return (
        meeting.state in (MeetingState.PUBLISHED.value, MeetingState.IN_SESSION.value)
        and meeting.consent_adopted_at is None
        and (now or utcnow()) >= deadline
        and (meeting.triaged_at is None or meeting.triaged_at < deadline)
    )


async def count_positions(
    tx: Tx,
    meeting: Meeting,
    items: list[AgendaItem],
    voters: list[Membership],
    rows: list[Position] | None = None,
) -> dict[int, ItemCounts]:
    """Per item, the submitted stances of the entitled members and how many are missing
    (``rows``: the items' positions, when the caller has them already)."""
    if rows is None:
        rows = await positions.positions_in(tx, [i.id for i in items if i.id is not None])
    return tally([i.id for i in items if i.id is not None], {v.id for v in voters}, rows)


class Stance(Protocol):
    """A position as a model or as a row (the matrix's cells)."""

    @property
    def item_id(self) -> int: ...
    @property
    def membership_id(self) -> int: ...
    @property
    def stance(self) -> str: ...
    @property
    def submitted_at(self) -> datetime | None: ...


def tally(
    item_ids: Iterable[int], voter_ids: set[int | None], rows: Iterable[Stance]
) -> dict[int, ItemCounts]:
    """Per item, the submitted stances of the voters, and how many voters gave none."""
    counts = {item_id: ItemCounts() for item_id in item_ids}
    for row in rows:
        if row.submitted_at is not None and row.membership_id in voter_ids:
            counts[row.item_id].stances[row.stance] += 1
    for entry in counts.values():
        entry.missing = len(voter_ids) - sum(entry.stances.values())
    return counts


async def _state(tx: Tx, meeting: Meeting) -> Triage:
    items = await positions.items_of(tx, meeting.id)
    voters = await positions.electorate_of(tx, meeting)
    return Triage(meeting, items, await count_positions(tx, meeting, items, voters))


def _ensure_adjustable(meeting: Meeting) -> None:
    if meeting.consent_adopted_at is not None:
        raise Conflict("The consent block was already adopted; the triage can no longer change.")
    if meeting.state not in (MeetingState.PUBLISHED.value, MeetingState.IN_SESSION.value):
        raise Conflict(
            "Only a published meeting can be triaged; this one is %(state)s.", state=meeting.state
        )


async def _triage(tx: Tx, meeting: Meeting, actor_id: int | None, *, automatic: bool) -> Triage:
    body = await tx.session.get(Body, meeting.body_id)
    assert body is not None
    rules = Rules.from_profile(rules_of(body))
    state = await _state(tx, meeting)
    moved: dict[str, list[int]] = {"consent": [], "contested": []}
    for item in state.items:
        if item.id is None or item.status not in OPEN_ITEM_STATES or item.status_reason:
            continue  # decided, or moved by a person: that decision stands
        entry = state.counts[item.id]
        stances: list[str | None] = [*entry.stances.elements(), *([None] * entry.missing)]
        contested = is_contested(rules, stances)
        item.status = (ItemStatus.CONTESTED if contested else ItemStatus.CONSENT).value
        moved["contested" if contested else "consent"].append(item.id)
        tx.session.add(item)
    meeting.triaged_at = utcnow()
    tx.session.add(meeting)
    await tx.session.flush()
    await audit.record(
        tx.session,
        "meeting.triaged",
        actor_id=actor_id,
        body_id=meeting.body_id,
        subject=f"meeting:{meeting.id}",
        automatic=automatic,
        consent=moved["consent"],
        contested=moved["contested"],
        missing_contests=rules.missing_position_contested,
    )
    assert meeting.id is not None
    tx.emit(
        Event.of(
            EventKind.AGENDA_TRIAGED,
            MeetingChanged(meeting.id),
            body_id=meeting.body_id,
            meeting_id=meeting.id,
        )
    )
    return state


async def run_triage(tx: Tx, actor: Actor, meeting_id: int) -> Triage:
    """On demand (before the deadline, or again after it)."""
    meeting = await positions.meeting_for(tx, actor, meeting_id, Permission.RUN_SESSION, lock=True)
    _ensure_adjustable(meeting)
    return await _triage(tx, meeting, actor.person_id, automatic=False)


async def triage_if_due(tx: Tx, meeting: Meeting) -> bool:
    """The automatic triage at the deadline; does nothing when it already ran since."""
    if not triage_due(meeting):
        return False
    await _triage(tx, meeting, None, automatic=True)
    return True


async def current_triage(tx: Tx, actor: Actor, meeting_id: int) -> Triage:
    """The agenda as triaged, running the deadline's triage first if it is due."""
    meeting = await positions.meeting_for(tx, actor, meeting_id, Permission.VIEW_BODY)
    if triage_due(meeting):
        locked = (
            await tx.session.exec(
                select(Meeting)
                .where(Meeting.id == meeting_id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        ).one()
        await triage_if_due(tx, locked)
        meeting = locked
    return await _state(tx, meeting)


def _clean_reason(reason: str, *, required: bool) -> str:
    reason = reason.strip()
    if required and not reason:
        raise ValidationFailed("Give the reason for moving this item; it goes on the record.")
    if len(reason) > MAX_REASON:
        raise ValidationFailed("The reason is longer than %(limit)s characters.", limit=MAX_REASON)
    return reason


async def override(tx: Tx, actor: Actor, *, item_id: int, status: str, reason: str) -> AgendaItem:
    """The secretariat moves an item into the consent block or out of it, with a reason."""
    context = await positions.item_context(tx, item_id, lock=True)
    item, meeting = context.item, context.meeting
    ensure(actor, Permission.PREPARE_MEETINGS, meeting.body_id)
    if status not in (ItemStatus.CONSENT.value, ItemStatus.CONTESTED.value):
        raise ValidationFailed('Move the item to "consent" or to "contested".')
    reason = _clean_reason(reason, required=True)
    _ensure_adjustable(meeting)
    if item.status not in OPEN_ITEM_STATES:
        raise Conflict(
            "This item is already %(status)s and can no longer be moved.", status=item.status
        )
    before = item.status
    item.status, item.status_reason = status, reason
    tx.session.add(item)
    await tx.session.flush()
    await audit.record(
        tx.session,
        "agenda.item_moved",
        actor_id=actor.person_id,
        body_id=meeting.body_id,
        subject=f"item:{item.id}",
        meeting=meeting.id,
        before=before,
        after=status,
        reason=reason,
    )
    _emit(tx, meeting, item)
    return item


async def pull(tx: Tx, actor: Actor, *, item_id: int, reason: str = "") -> AgendaItem:
    """Any member takes an item out of the consent block, until the block is adopted."""
    context = await positions.item_context(tx, item_id, lock=True)
    item, meeting = context.item, context.meeting
    seat = positions.voting_seat(actor, meeting.body_id)
    reason = _clean_reason(reason, required=False)
    _ensure_adjustable(meeting)
    if item.status != ItemStatus.CONSENT.value:
        raise Conflict(
            "Only an item in the consent block can be pulled out of it; this one is %(status)s.",
            status=item.status,
        )
    item.status, item.status_reason = ItemStatus.CONTESTED.value, reason or PULLED
    tx.session.add(item)
    await tx.session.flush()
    await audit.record(
        tx.session,
        "agenda.item_pulled",
        actor_id=actor.person_id,
        body_id=meeting.body_id,
        subject=f"item:{item.id}",
        meeting=meeting.id,
        member=seat.id,
        reason=reason,
    )
    _emit(tx, meeting, item)
    return item


def _emit(tx: Tx, meeting: Meeting, item: AgendaItem) -> None:
    assert item.id is not None
    tx.emit(
        Event.of(
            EventKind.AGENDA_ITEM_STATUS,
            ItemStatusChanged(item.id, item.status),
            body_id=meeting.body_id,
            meeting_id=meeting.id,
        )
    )


async def meetings_due(tx: Tx) -> list[Meeting]:
    """Meetings whose opinion deadline passed since their last triage (for the sweeper)."""
    now = utcnow()
    rows = await tx.session.exec(
        select(Meeting).where(
            col(Meeting.state).in_([MeetingState.PUBLISHED.value, MeetingState.IN_SESSION.value]),
            col(Meeting.consent_adopted_at).is_(None),
        )
    )
    return [m for m in rows.all() if triage_due(m, now)]


RECORD_KINDS = ("meeting.triaged", "agenda.item_moved", "agenda.item_pulled")


@dataclass(frozen=True)
class RecordEntry:
    event: AuditEvent
    actor: str  # the person's name; empty for the automatic triage


async def record_of(tx: Tx, actor: Actor, meeting_id: int) -> list[RecordEntry]:
    """The audit trail of the triage: runs, moves with their reasons, pulls."""
    meeting = await positions.meeting_for(tx, actor, meeting_id, Permission.VIEW_BODY)
    items = await positions.items_of(tx, meeting.id)
    subjects = [f"meeting:{meeting.id}", *(f"item:{i.id}" for i in items)]
    rows = list(
        (
            await tx.session.exec(
                select(AuditEvent)
                .where(
                    col(AuditEvent.kind).in_(RECORD_KINDS),
                    col(AuditEvent.subject).in_(subjects),
                    AuditEvent.body_id == meeting.body_id,
                )
                .order_by(col(AuditEvent.seq))
            )
        ).all()
    )
    ids = {r.actor_id for r in rows if r.actor_id is not None}
    names = (
        dict(
            (
                await tx.session.exec(
                    select(Person.id, Person.full_name).where(col(Person.id).in_(ids))
                )
            ).all()
        )
        if ids
        else {}
    )
    return [RecordEntry(r, names.get(r.actor_id, "") if r.actor_id else "") for r in rows]
