"""What the secretariat sees of the people it manages: a body's seats and a person's devices."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, func, select

from ..auth.actor import Actor
from ..auth.permissions import Permission, ensure
from ..db import Tx
from ..errors import NotFound
from ..models import Body, Membership, PasskeyCredential, Person
from .devices import ensure_manages, passkeys_of


@dataclass(frozen=True)
class SeatLine:
    person_id: int
    full_name: str
    title: str
    role: str
    active_passkeys: int


@dataclass(frozen=True)
class PersonCard:
    person: Person
    seats: list[tuple[Membership, Body]]
    passkeys: list[PasskeyCredential]


async def body_roster(tx: Tx, actor: Actor, body_id: int) -> tuple[Body, list[SeatLine]]:
    """The seats of a body with each person's number of usable passkeys."""
    ensure(actor, Permission.MANAGE_MEMBERS, body_id)
    body = await tx.session.get(Body, body_id)
    if body is None:
        raise NotFound("There is no body with the number %(id)s.", id=body_id)
    active = (
        select(PasskeyCredential.person_id, func.count().label("n"))
        .where(
            col(PasskeyCredential.revoked_at).is_(None),
            col(PasskeyCredential.suspected_clone).is_(False),
        )
        .group_by(col(PasskeyCredential.person_id))
        .subquery()
    )
    rows = (
        await tx.session.exec(
            select(Membership, Person, func.coalesce(active.c.n, 0))
            .join(Person, col(Person.id) == Membership.person_id)
            .outerjoin(active, active.c.person_id == Membership.person_id)
            .where(Membership.body_id == body_id, col(Membership.active))
            .order_by(col(Membership.seat_order), col(Person.full_name))
        )
    ).all()
    return body, [
        SeatLine(
            person_id=seat.person_id,
            full_name=person.full_name,
            title=seat.title,
            role=seat.role,
            active_passkeys=int(count),
        )
        for seat, person, count in rows
    ]


async def person_card(tx: Tx, actor: Actor, person_id: int) -> PersonCard:
    """A managed person's seats and passkeys (revoked ones too, for the record)."""
    person = await ensure_manages(tx, actor, person_id)
    seats = (
        await tx.session.exec(
            select(Membership, Body)
            .join(Body, col(Body.id) == Membership.body_id)
            .where(Membership.person_id == person_id, col(Membership.active))
            .order_by(col(Body.name))
        )
    ).all()
    return PersonCard(
        person=person, seats=[(m, b) for m, b in seats], passkeys=await passkeys_of(tx, person_id)
    )
