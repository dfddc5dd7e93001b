"""The matrix of written positions (members x items) for the secretariat and the chair:
each cell, counts per item, who is still missing, the response rate over time, CSV.

Read with SQLAlchemy Core into plain rows (see packet_rows.py): the page is drawn for
hundreds of cells, and ORM objects cost more than the rest of the page."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from ..auth.actor import Actor
from ..auth.permissions import Permission
from ..ballots.electorate import VOTING_ROLES
from ..db import Tx
from ..models import Meeting, Membership, Person, Position, PositionRevision
from . import packet_rows, positions, triage
from .packet_rows import ItemRow


@dataclass(frozen=True, slots=True)
class Seat:
    id: int
    person_id: int
    role: str
    title: str


@dataclass(frozen=True, slots=True)
class Member:
    seat: Seat
    name: str


@dataclass(frozen=True, slots=True)
class Cell:
    """A submitted position, and when it was first submitted."""

    id: int
    item_id: int
    membership_id: int
    stance: str
    text: str
    submitted_at: datetime
    first_submitted_at: datetime | None


@dataclass(frozen=True)
class Matrix:
    meeting: Meeting
    members: list[Member]
    items: list[ItemRow]
    cells: dict[tuple[int, int], Cell]  # (item id, membership id) -> submitted position
    counts: dict[int, triage.ItemCounts]
    # (moment, cells answered by then), one point per first submission, oldest first.
    timeline: list[tuple[datetime, int]]
    frozen: bool

    @property
    def total_cells(self) -> int:
        return len(self.members) * len(self.items)

    @property
    def answered(self) -> int:
        return len(self.cells)

    def cell(self, item: ItemRow, member: Member) -> Cell | None:
        return self.cells.get((item.id, member.seat.id))

    def missing_for(self, item: ItemRow) -> list[Member]:
        return [m for m in self.members if self.cell(item, m) is None]


_SEAT = Membership.__table__  # type: ignore[attr-defined]
_PERSON = Person.__table__  # type: ignore[attr-defined]
_POSITION = Position.__table__  # type: ignore[attr-defined]
_REVISION = PositionRevision.__table__  # type: ignore[attr-defined]
_ITEM = packet_rows.ITEM_TABLE

# The seats that vote (the same as ballots.electorate.entitled_voters), with their names.
ELECTORATE = (
    sa.select(_SEAT.c.id, _SEAT.c.person_id, _SEAT.c.role, _SEAT.c.title, _PERSON.c.full_name)
    .join(_PERSON, _PERSON.c.id == _SEAT.c.person_id)
    .where(
        _SEAT.c.body_id == sa.bindparam("body"),
        _SEAT.c.active,
        _SEAT.c.role.in_(VOTING_ROLES),
        _SEAT.c.stand_in_for_id.is_(None),
    )
    .order_by(_SEAT.c.seat_order)
)
# The meeting's submitted positions, each with the moment it was first submitted.
CELLS = (
    sa.select(
        _POSITION.c.id,
        _POSITION.c.item_id,
        _POSITION.c.membership_id,
        _POSITION.c.stance,
        _POSITION.c.text,
        _POSITION.c.submitted_at,
        sa.select(sa.func.min(_REVISION.c.changed_at))
        .where(_REVISION.c.position_id == _POSITION.c.id, _REVISION.c.action == "submitted")
        .scalar_subquery(),
    )
    .join(_ITEM, _ITEM.c.id == _POSITION.c.item_id)
    .where(_ITEM.c.meeting_id == sa.bindparam("meeting"), _POSITION.c.submitted_at.is_not(None))
)


async def matrix(tx: Tx, actor: Actor, meeting_id: int) -> Matrix:
    meeting = await positions.meeting_for(tx, actor, meeting_id, Permission.VIEW_POSITIONS)
    assert meeting.id is not None
    connection = await tx.session.connection()
    members = [
        Member(Seat(*row[:4]), row[4])
        for row in await connection.execute(ELECTORATE, {"body": meeting.body_id})
    ]
    items = await packet_rows.items(tx.session, meeting.id)
    seat_ids: set[int | None] = {m.seat.id for m in members}
    cells = {
        (cell.item_id, cell.membership_id): cell
        for cell in (Cell(*row) for row in await connection.execute(CELLS, {"meeting": meeting.id}))
        if cell.membership_id in seat_ids
    }
    counts = triage.tally([i.id for i in items], seat_ids, cells.values())
    moments = sorted(c.first_submitted_at for c in cells.values() if c.first_submitted_at)
    return Matrix(
        meeting,
        members,
        items,
        cells,
        counts,
        [(moment, index) for index, moment in enumerate(moments, start=1)],
        positions.is_frozen(meeting),
    )


def as_csv(view: Matrix, gettext: Callable[..., str]) -> str:
    """One row per member and item, for a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            gettext("Item"),
            gettext("Item title"),
            gettext("Member"),
            gettext("Position"),
            gettext("Text"),
            gettext("Submitted at (UTC)"),
            gettext("Item status"),
        ]
    )
    for item in view.items:
        for member in view.members:
            cell = view.cell(item, member)
            label = (
                gettext(positions.STANCE_LABELS[cell.stance]) if cell else gettext("No position")
            )
            when = (
                cell.submitted_at.strftime("%Y-%m-%d %H:%M") if cell and cell.submitted_at else ""
            )
            writer.writerow(
                [
                    item.ordinal,
                    _safe(item.title),
                    _safe(member.name),
                    label,
                    _safe(cell.text) if cell else "",
                    when,
                    item.status,
                ]
            )
    return out.getvalue()


def _safe(text: str) -> str:
    """A spreadsheet runs a cell that starts with = + - @ as a formula: quote it."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
