"""One-time enrollment links that let a person register a passkey.

A link made by one person is only for a first enrollment: someone who has ever registered
a passkey adds a device from one of their own devices, or, having lost them all, through a
recovery that two secretariat officials of each of their bodies approve
(ecabinet/actions/recovery.py). Otherwise one insider could enroll a device for the chair
and vote as the chair.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from sqlmodel import col, func, select

from .. import audit
from ..auth import passkeys
from ..auth.actor import Actor
from ..auth.logins import hash_token
from ..auth.quarantine import Action, ensure_login_may
from ..db import Tx
from ..errors import Forbidden, NotFound
from ..models import (
    Body,
    Enrollment,
    Membership,
    PasskeyCredential,
    PasskeyQuarantine,
    Person,
    Recovery,
    utcnow,
)
from ..settings import Settings
from ..vocab import Role
from . import security_notices

PURPOSE = "enroll"


class EnrollmentRefused(passkeys.PasskeyRefused):
    title = "Enrollment link not valid"
    kind = "enrollment"


class RecoveryRequired(Forbidden):
    title = "Recovery needed"
    kind = "recovery-required"


async def ever_enrolled(tx: Tx, person_id: int) -> bool:
    """Whether the person ever registered a passkey (revoked ones count: revoking the
    chair's devices must not turn the next link into a first enrollment)."""
    count: int = (
        await tx.session.exec(
            select(func.count())
            .select_from(PasskeyCredential)
            .where(PasskeyCredential.person_id == person_id)
        )
    ).one()
    return count > 0


async def seat_bodies(tx: Tx, person_id: int) -> list[Body]:
    """The bodies where the person holds an active seat."""
    # A subquery, not DISTINCT: PostgreSQL cannot compare the body's JSON columns.
    seated = select(Membership.body_id).where(
        Membership.person_id == person_id, col(Membership.active)
    )
    rows = await tx.session.exec(
        select(Body).where(col(Body.id).in_(seated)).order_by(col(Body.id))
    )
    return list(rows.all())


def is_secretariat(actor: Actor, body_id: int | None) -> bool:
    seat = None if body_id is None else actor.seat(body_id)
    return seat is not None and seat.role == Role.SECRETARIAT.value


async def _person(tx: Tx, person_id: int) -> Person:
    person = await tx.session.get(Person, person_id)
    if person is None:
        raise NotFound("There is no person with the number %(id)s.", id=person_id)
    return person


async def issue_enrollment(
    tx: Tx,
    settings: Settings,
    *,
    actor_id: int | None,
    person_id: int,
) -> str:
    """A first-enrollment link for the person; returns its URL. Only the token's hash is
    stored. Refused, audited, for anyone who already registered a passkey, whoever asks
    (the operator's command line included)."""
    person = await _person(tx, person_id)
    if await ever_enrolled(tx, person_id):
        await passkeys.refuse(
            tx,
            RecoveryRequired(
                "%(name)s already has a passkey, so one person alone cannot give them a new "
                "device. They add it from one of their own devices; if they lost them all, two "
                "secretariat officials of each of their bodies approve a recovery.",
                name=person.full_name,
            ),
            actor_id=actor_id,
            subject=f"person:{person_id}",
        )
    _row, url = await _make_link(
        tx,
        settings,
        actor_id=actor_id,
        person_id=person_id,
        valid=timedelta(hours=settings.enrollment_valid_hours),
    )
    return url


async def issue_first_enrollment(
    tx: Tx, settings: Settings, actor: Actor, person_id: int
) -> tuple[Person, str]:
    """The secretariat's first-enrollment link: only for a person whose every seat is in
    a body where the caller is secretariat (a system administrator: only for a person
    without a seat)."""
    await ensure_login_may(tx, actor, Action.MANAGE_PEOPLE)
    person = await _person(tx, person_id)
    bodies = await seat_bodies(tx, person_id)
    subject = f"person:{person_id}"
    if not bodies and not actor.is_admin:
        await passkeys.refuse(
            tx,
            Forbidden(
                "%(name)s has no seat in any body; only a system administrator enrolls them.",
                name=person.full_name,
            ),
            actor_id=actor.person_id,
            subject=subject,
        )
    others = [b.name for b in bodies if not is_secretariat(actor, b.id)]
    if others:
        await passkeys.refuse(
            tx,
            Forbidden(
                "%(name)s also sits in %(bodies)s, where you are not secretariat. Only a "
                "secretariat official of every body the person sits in may enroll them.",
                name=person.full_name,
                bodies=", ".join(others),
            ),
            actor_id=actor.person_id,
            subject=subject,
        )
    url = await issue_enrollment(tx, settings, actor_id=actor.person_id, person_id=person_id)
    return person, url


async def _make_link(
    tx: Tx, settings: Settings, *, actor_id: int | None, person_id: int, valid: timedelta
) -> tuple[Enrollment, str]:
    token = secrets.token_urlsafe(32)
    expires = utcnow() + valid
    row = Enrollment(
        person_id=person_id,
        token_hash=hash_token(token),
        created_by_id=actor_id,
        expires_at=expires,
    )
    tx.session.add(row)
    await tx.session.flush()
    await audit.record(
        tx.session,
        "enrollment.issued",
        actor_id=actor_id,
        subject=f"person:{person_id}",
        enrollment=row.id,
        expires_at=expires.isoformat(),
    )
    return row, f"{settings.origin}/enroll/{token}"


async def issue_recovery_link(
    tx: Tx, settings: Settings, *, actor_id: int, person_id: int
) -> tuple[Enrollment, str]:
    """The single-use, short-lived link of an approved recovery."""
    return await _make_link(
        tx,
        settings,
        actor_id=actor_id,
        person_id=person_id,
        valid=timedelta(minutes=settings.recovery_link_valid_minutes),
    )


async def recovery_of(tx: Tx, enrollment: Enrollment) -> Recovery | None:
    return (
        await tx.session.exec(select(Recovery).where(Recovery.enrollment_id == enrollment.id))
    ).first()


async def open_enrollment(tx: Tx, token: str) -> tuple[Enrollment, Person]:
    """The enrollment behind a link, or a refusal saying why it cannot be used."""
    enrollment = (
        await tx.session.exec(
            select(Enrollment).where(Enrollment.token_hash == hash_token(token)).with_for_update()
        )
    ).first()
    if enrollment is None:
        await passkeys.refuse(
            tx,
            EnrollmentRefused(
                "This enrollment link is not valid. Ask the secretariat for a new one."
            ),
            subject="enrollment:unknown",
        )
    subject = f"person:{enrollment.person_id}"
    if enrollment.used_at is not None:
        await passkeys.refuse(
            tx,
            EnrollmentRefused(
                "This enrollment link was already used. Each link registers one device; ask the "
                "secretariat for a new one."
            ),
            subject=subject,
            enrollment=enrollment.id,
        )
    if enrollment.expires_at < utcnow():
        await passkeys.refuse(
            tx,
            EnrollmentRefused(
                "This enrollment link has expired. Ask the secretariat for a new one."
            ),
            subject=subject,
            enrollment=enrollment.id,
        )
    # A first-enrollment link kept back after the person enrolled is not a way around
    # recovery.
    if await recovery_of(tx, enrollment) is None and await ever_enrolled(tx, enrollment.person_id):
        await passkeys.refuse(
            tx,
            EnrollmentRefused(
                "This link was made for a first enrollment, and a passkey has been registered "
                "for this person since. A new device is added from one of their own devices or "
                "through a recovery."
            ),
            subject=subject,
            enrollment=enrollment.id,
        )
    person = await tx.session.get(Person, enrollment.person_id)
    assert person is not None
    return enrollment, person


async def enrollment_options(
    tx: Tx,
    settings: Settings,
    token: str,
    *,
    client: passkeys.Client,
) -> dict[str, Any]:
    await passkeys.check_rate(tx, settings, client=client, purposes=(PURPOSE,))
    enrollment, person = await open_enrollment(tx, token)
    return await passkeys.registration_options(
        tx, settings, person, client=client, purpose=PURPOSE, enrollment=enrollment.id
    )


async def finish_enrollment(
    tx: Tx,
    settings: Settings,
    token: str,
    credential: dict[str, Any],
    *,
    device_name: str,
) -> tuple[Person, PasskeyCredential]:
    enrollment, person = await open_enrollment(tx, token)
    recovery = await recovery_of(tx, enrollment)
    row = await passkeys.register_credential(
        tx, settings, person, credential, purpose=PURPOSE, device_name=device_name, actor_id=None
    )
    enrollment.used_at = utcnow()
    tx.session.add(enrollment)
    assert person.id is not None and row.id is not None
    if recovery is None:
        # A first enrollment is the person's own first device (or an insider's, before
        # the person ever had one: see the security model); it is audited, and there is
        # no earlier device to tell.
        return person, row
    until = utcnow() + timedelta(hours=settings.quarantine_hours)
    tx.session.add(
        PasskeyQuarantine(
            credential_id=row.id, person_id=person.id, recovery_id=recovery.id, until=until
        )
    )
    await tx.session.flush()
    await audit.record(
        tx.session,
        "passkey.quarantined",
        actor_id=person.id,
        subject=f"person:{person.id}",
        credential=row.id,
        recovery=recovery.id,
        until=until.isoformat(),
    )
    await security_notices.recovered(tx, person.id, row, recovery, until)
    return person, row
