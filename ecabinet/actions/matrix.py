"""The matrix of written positions (members x items) for the secretariat and the chair:
each cell, counts per item, who is still missing, the response rate over time, CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, func, select

from ..auth.actor import Actor
from ..auth.permissions import Permission
from ..db import Tx
from ..models import AgendaItem, Meeting, Membership, Person, Position, PositionRevision
from . import positions, triage


@dataclass(frozen=True)
class Member:
    seat: Membership
    name: str


@dataclass(frozen=True)
class Matrix:
    meeting: Meeting
    members: list[Member]
    items: list[AgendaItem]
    cells: dict[tuple[int, int], Position]  # (item id, membership id) -> submitted position
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

    def cell(self, item: AgendaItem, member: Member) -> Position | None:
        assert item.id is not None and member.seat.id is not None
        return self.cells.get((item.id, member.seat.id))

    def missing_for(self, item: AgendaItem) -> list[Member]:
        return [m for m in self.members if self.cell(item, m) is None]


async def matrix(tx: Tx, actor: Actor, meeting_id: int) -> Matrix:
    meeting = await positions.meeting_for(tx, actor, meeting_id, Permission.VIEW_POSITIONS)
    seats = await positions.electorate_of(tx, meeting)
    names = (
        dict(
            (
                await tx.session.exec(
                    select(Person.id, Person.full_name).where(
                        col(Person.id).in_([s.person_id for s in seats])
                    )
                )
            ).all()
        )
        if seats
        else {}
    )
    members = [Member(s, names.get(s.person_id, "")) for s in seats]
    items = await positions.items_of(tx, meeting.id)
    seat_ids = {s.id for s in seats}
    rows = await positions.positions_in(tx, [i.id for i in items if i.id is not None])
    cells = {
        (p.item_id, p.membership_id): p
        for p in rows
        if p.submitted_at is not None and p.membership_id in seat_ids
    }
    counts = await triage.count_positions(tx, meeting, items, seats, rows)
    return Matrix(
        meeting,
        members,
        items,
        cells,
        counts,
        await _timeline(tx, list(cells.values())),
        positions.is_frozen(meeting),
    )


async def _timeline(tx: Tx, answered: list[Position]) -> list[tuple[datetime, int]]:
    """When each cell was first answered: the curve of the response rate."""
    ids = [p.id for p in answered]
    if not ids:
        return []
    firsts = (
        await tx.session.exec(
            select(func.min(PositionRevision.changed_at))
            .where(
                col(PositionRevision.position_id).in_(ids),
                PositionRevision.action == "submitted",
            )
            .group_by(col(PositionRevision.position_id))
        )
    ).all()
    moments = sorted(m for m in firsts if m is not None)
    return [(moment, index) for index, moment in enumerate(moments, start=1)]


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
