"""Who is present at a session, and whether that makes a quorum.

A member counts as present from a passkey check-in (in the room or remote) until they
leave, except while their tablet has lost its live connection beyond the grace period
(``away_since``). A stand-in is recorded on the member's attendance and counts, like their
vote, only where the body allows stand-ins to vote (DOMAIN.md: by default they do not).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..i18n import N_
from ..models import Attendance, Body, Meeting, Membership, Person, rules_of
from ..rules import Rules, counted_present, has_quorum, quorum_needed
from ..vocab import Role

VOTING_ROLES = (Role.CHAIR.value, Role.MEMBER.value)


@dataclass(frozen=True)
class Seat:
    """A voting seat with its holder and, when one attends in their place, the stand-in."""

    membership: Membership
    person: Person
    attendance: Attendance | None
    stand_in: Person | None

    @property
    def checked_in(self) -> bool:
        row = self.attendance
        return row is not None and row.checked_in_at is not None and row.left_at is None

    @property
    def away(self) -> bool:
        return (
            self.checked_in
            and self.attendance is not None
            and self.attendance.away_since is not None
        )

    def present(self, body: Body, item_id: int | None = None) -> bool:
        """Counted present (on ``item_id``, when given): a stand-in counts where the body
        lets stand-ins vote, and only on the items their mandate names, if it names any."""
        if not self.checked_in or self.away:
            return False
        if self.stand_in is None:
            return True
        return body.stand_in_may_vote and self.covers(item_id)

    def covers(self, item_id: int | None) -> bool:
        """Whether the stand-in's mandate covers the item (None: the session as a whole)."""
        items = [] if self.attendance is None else self.attendance.stand_in_items
        return item_id is None or not items or item_id in items


@dataclass(frozen=True)
class Quorum:
    members: int
    present: int
    needed: int
    met: bool

    def as_dict(self) -> dict[str, int | bool]:
        return {
            "members": self.members,
            "present": self.present,
            "needed": self.needed,
            "met": self.met,
        }


async def voting_seats(db: AsyncSession, body_id: int) -> list[tuple[Membership, Person]]:
    """Chair and members, active, not stand-ins: the "all members" of the rules."""
    rows = await db.exec(
        select(Membership, Person)
        .join(Person, col(Person.id) == Membership.person_id)
        .where(
            Membership.body_id == body_id,
            col(Membership.active),
            col(Membership.role).in_(VOTING_ROLES),
            col(Membership.stand_in_for_id).is_(None),
        )
        .order_by(col(Membership.seat_order), col(Membership.id))
    )
    return [(seat, person) for seat, person in rows.all()]


async def seats_of(db: AsyncSession, meeting: Meeting) -> list[Seat]:
    seats = await voting_seats(db, meeting.body_id)
    attendance = {
        row.membership_id: row
        for row in (
            await db.exec(select(Attendance).where(Attendance.meeting_id == meeting.id))
        ).all()
    }
    stand_in_ids = [
        row.stand_in_membership_id
        for row in attendance.values()
        if row.stand_in_membership_id is not None
    ]
    stand_ins: dict[int, Person] = {}
    if stand_in_ids:
        rows = await db.exec(
            select(Membership.id, Person)
            .join(Person, col(Person.id) == Membership.person_id)
            .where(col(Membership.id).in_(stand_in_ids))
        )
        stand_ins = {seat_id: person for seat_id, person in rows.all() if seat_id is not None}
    result = []
    for membership, person in seats:
        row = attendance.get(membership.id or 0)
        stand_in = (
            None
            if row is None or row.stand_in_membership_id is None
            else stand_ins.get(row.stand_in_membership_id)
        )
        result.append(Seat(membership, person, row, stand_in))
    return result


def quorum_of(
    body: Body, seats: list[Seat], recused: Iterable[int] = (), item_id: int | None = None
) -> Quorum:
    """The quorum now, on ``item_id`` when given; ``recused``: the seats with a conflict
    of interest on that item (rules.counted_present). A stand-in whose mandate does not
    cover the item leaves the member's seat absent on it."""
    rules = Rules.from_profile(rules_of(body))
    members = len(seats)
    present = counted_present(
        (seat.membership.id or 0 for seat in seats if seat.present(body, item_id)),
        recused,
        recused_count=body.recused_count_in_quorum,
    )
    return Quorum(
        members, present, quorum_needed(rules, members), has_quorum(rules, members, present)
    )


async def live_voter(
    db: AsyncSession, row: Attendance | None, voter_ids: list[int], seat: Membership
) -> tuple[Membership | None, str]:
    """For a live vote: the seat a ballot counts for (the member's own, or for a stand-in
    the member's they stand in for), or why this person may not vote now. ``row`` is the
    attendance, at the vote's meeting, of the seat's principal (the seat itself, or the
    member a stand-in stands in for), as the caller read it."""
    principal_id = seat.stand_in_for_id or seat.id
    if seat.role not in VOTING_ROLES or principal_id is None:
        return None, N_("Only members of the body may vote.")
    if voter_ids and principal_id not in voter_ids:
        return None, N_("You were not among the members entitled to vote when this vote opened.")
    if row is None or row.checked_in_at is None or row.left_at is not None:
        return None, N_("Check in to the session with your passkey before voting.")
    if seat.stand_in_for_id is None:
        if row.stand_in_membership_id is not None:
            return None, N_("A stand-in is recorded in your place; check in yourself to vote.")
        return seat, ""
    body = await db.get(Body, seat.body_id)
    if body is None or not body.stand_in_may_vote:
        return None, N_("In this body a stand-in attends without a vote.")
    if row.stand_in_membership_id != seat.id:
        return None, N_("You are not recorded as the stand-in of this member at this session.")
    if row.stand_in_items:
        # A live vote is always on the item being taken (actions/live_votes.py).
        meeting = await db.get(Meeting, row.meeting_id)
        if meeting is None or meeting.current_item_id not in row.stand_in_items:
            return None, N_(
                "Your mandate as a stand-in does not cover this item, so you do not vote "
                "on it; the member's seat is counted absent on it."
            )
    return await db.get(Membership, principal_id), ""
