"""Creating bodies and seating people in them."""

from __future__ import annotations

import re

from sqlmodel import select

from .. import audit
from ..auth.actor_cache import actors_changed
from ..db import Tx
from ..errors import Conflict, NotFound, ValidationFailed
from ..models import Body, Membership, Person
from ..vocab import Classification, Role

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


async def create_body(
    tx: Tx,
    *,
    actor_id: int | None,
    slug: str,
    name: str,
    name_en: str = "",
    short_name: str = "",
) -> Body:
    if not SLUG.match(slug):
        raise ValidationFailed(
            "A body's short code uses lowercase letters, digits and dashes "
            "(2 to 63 characters), for example `chinh-phu`."
        )
    if (await tx.session.exec(select(Body).where(Body.slug == slug))).first():
        raise Conflict("A body with the code %(slug)s already exists.", slug=slug)
    body = Body(
        slug=slug, name=name.strip(), name_en=name_en.strip(), short_name=short_name.strip()
    )
    tx.session.add(body)
    await tx.session.flush()
    await audit.record(
        tx.session,
        "body.created",
        actor_id=actor_id,
        body_id=body.id,
        subject=f"body:{body.id}",
        slug=slug,
        name=body.name,
    )
    return body


async def body_by_slug(tx: Tx, slug: str) -> Body:
    body = (await tx.session.exec(select(Body).where(Body.slug == slug))).first()
    if body is None:
        raise NotFound("There is no body with the code %(slug)s.", slug=slug)
    return body


async def add_member(
    tx: Tx,
    *,
    actor_id: int | None,
    body: Body,
    full_name: str,
    role: Role,
    title: str = "",
    title_en: str = "",
    email: str | None = None,
    clearance: Classification = Classification.INTERNAL,
    seat_order: int = 0,
    is_admin: bool = False,
) -> Membership:
    """Seat a person in a body, creating the person if the e-mail is new."""
    if not full_name.strip():
        raise ValidationFailed("A member needs a name.")
    person = None
    if email:
        person = (await tx.session.exec(select(Person).where(Person.email == email))).first()
    if person is None:
        person = Person(full_name=full_name.strip(), email=email or None, is_admin=is_admin)
        tx.session.add(person)
        await tx.session.flush()
    assert body.id is not None and person.id is not None
    taken = (
        await tx.session.exec(
            select(Membership).where(
                Membership.body_id == body.id, Membership.person_id == person.id
            )
        )
    ).first()
    if taken is not None:
        raise Conflict("%(name)s already has a seat in this body.", name=person.full_name)
    if clearance > body.max_classification:
        clearance = Classification(body.max_classification)
    seat = Membership(
        body_id=body.id,
        person_id=person.id,
        role=role.value,
        title=title,
        title_en=title_en,
        clearance=int(clearance),
        seat_order=seat_order,
    )
    tx.session.add(seat)
    await tx.session.flush()
    actors_changed(tx, [person.id], "seated")
    await audit.record(
        tx.session,
        "membership.added",
        actor_id=actor_id,
        body_id=body.id,
        subject=f"person:{person.id}",
        role=role.value,
        title=title,
        clearance=int(clearance),
    )
    return seat
