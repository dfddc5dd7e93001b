"""Recovery: a new device for a person who already had a passkey and lost every device.

Never a one-person act. Two different secretariat officials of each body the person sits
in (two system administrators for a person without a seat) each approve with their own
fresh passkey assertion. The last approval makes one enrollment link, shown to that
approver only, single use and short-lived; the passkey it registers starts in quarantine
(ecabinet/auth/quarantine.py). Every approval is audited and told to the person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, select

from .. import audit
from ..auth import passkeys
from ..auth.actor import Actor
from ..auth.permissions import ensure_signed_in
from ..db import Tx
from ..errors import Conflict, Forbidden, NotFound
from ..models import Body, Membership, Person, Recovery, RecoveryApproval, utcnow
from ..settings import Settings
from ..vocab import Role
from . import security_notices
from .enrollment import ever_enrolled, is_secretariat, issue_recovery_link, seat_bodies

PURPOSE = "recovery"
NEEDED = 2  # approvals per body, from different officials


class RecoveryRefused(Forbidden):
    title = "Recovery not allowed"
    kind = "recovery"


@dataclass(frozen=True)
class Approval:
    name: str
    at: datetime


@dataclass(frozen=True)
class Missing:
    group: str  # a body's name, or "" for the system administrators
    have: int


@dataclass(frozen=True)
class Status:
    recovery: Recovery | None
    approvals: list[Approval]
    missing: list[Missing]
    url: str = ""  # only in the answer to the last approval


async def _person(tx: Tx, person_id: int) -> Person:
    person = await tx.session.get(Person, person_id)
    if person is None:
        raise NotFound("There is no person with the number %(id)s.", id=person_id)
    return person


async def ensure_approver(tx: Tx, actor: Actor, person: Person) -> list[Body]:
    """Refuse, audited, whoever may not approve this person's recovery; returns the
    person's bodies."""
    ensure_signed_in(actor)
    assert person.id is not None
    subject = f"person:{person.id}"
    if actor.person_id == person.id:
        await passkeys.refuse(
            tx,
            RecoveryRefused("Nobody approves the recovery of their own account."),
            actor_id=actor.person_id,
            subject=subject,
        )
    if not await ever_enrolled(tx, person.id):
        raise Conflict(
            "%(name)s has never registered a passkey: issue a first enrollment "
            "link instead of a recovery.",
            name=person.full_name,
        )
    bodies = await seat_bodies(tx, person.id)
    if not bodies and not actor.is_admin:
        await passkeys.refuse(
            tx,
            RecoveryRefused(
                "%(name)s has no seat in any body: two system administrators approve their "
                "recovery.",
                name=person.full_name,
            ),
            actor_id=actor.person_id,
            subject=subject,
        )
    if bodies and not any(is_secretariat(actor, b.id) for b in bodies):
        await passkeys.refuse(
            tx,
            RecoveryRefused(
                "You are not secretariat of any body %(name)s sits in (%(bodies)s). Only the "
                "secretariat of the person's own body approves a recovery.",
                name=person.full_name,
                bodies=", ".join(b.name for b in bodies),
            ),
            actor_id=actor.person_id,
            subject=subject,
        )
    return bodies


async def open_recovery(tx: Tx, person_id: int, *, lock: bool = False) -> Recovery | None:
    """The recovery still gathering approvals, if any."""
    query = (
        select(Recovery)
        .where(
            Recovery.person_id == person_id,
            col(Recovery.completed_at).is_(None),
            col(Recovery.expires_at) > utcnow(),
        )
        .order_by(col(Recovery.id).desc())
    )
    if lock:
        query = query.with_for_update()
    return (await tx.session.exec(query)).first()


async def _approvals(tx: Tx, recovery: Recovery) -> list[tuple[RecoveryApproval, Person]]:
    rows = await tx.session.exec(
        select(RecoveryApproval, Person)
        .join(Person, col(Person.id) == RecoveryApproval.approver_id)
        .where(RecoveryApproval.recovery_id == recovery.id)
        .order_by(col(RecoveryApproval.id))
    )
    return list(rows.all())


async def _missing(tx: Tx, bodies: list[Body], approvers: list[Person]) -> list[Missing]:
    """Which bodies still lack two approvals from their own secretariat officials."""
    ids = [p.id for p in approvers if p.id is not None]
    if not bodies:
        have = sum(1 for p in approvers if p.is_admin)
        return [] if have >= NEEDED else [Missing("", have)]
    seats = (
        (
            await tx.session.exec(
                select(Membership).where(
                    col(Membership.person_id).in_(ids),
                    col(Membership.active),
                    Membership.role == Role.SECRETARIAT.value,
                )
            )
        ).all()
        if ids
        else []
    )
    missing = []
    for body in bodies:
        have = len({s.person_id for s in seats if s.body_id == body.id})
        if have < NEEDED:
            missing.append(Missing(body.name, have))
    return missing


async def status_of(tx: Tx, person_id: int, recovery: Recovery | None) -> Status:
    bodies = await seat_bodies(tx, person_id)
    pairs = [] if recovery is None else await _approvals(tx, recovery)
    return Status(
        recovery,
        [Approval(p.full_name, a.created_at) for a, p in pairs],
        await _missing(tx, bodies, [p for _a, p in pairs]),
    )


async def recovery_status(tx: Tx, actor: Actor, person_id: int) -> Status:
    person = await _person(tx, person_id)
    await ensure_approver(tx, actor, person)
    return await status_of(tx, person_id, await open_recovery(tx, person_id))


async def _refuse_second_approval(tx: Tx, actor: Actor, recovery: Recovery) -> None:
    already = (
        await tx.session.exec(
            select(RecoveryApproval).where(
                RecoveryApproval.recovery_id == recovery.id,
                RecoveryApproval.approver_id == actor.person_id,
            )
        )
    ).first()
    if already is not None:
        await passkeys.refuse(
            tx,
            RecoveryRefused(
                "You already approved this recovery. Another secretariat official must approve "
                "it with their own passkey; one person alone cannot complete it."
            ),
            actor_id=actor.person_id,
            subject=f"person:{recovery.person_id}",
            recovery=recovery.id,
        )


async def approval_options(
    tx: Tx, settings: Settings, actor: Actor, person_id: int, *, client: passkeys.Client
) -> dict[str, Any]:
    """Start (or join) the person's recovery; request options for the approver's passkey."""
    person = await _person(tx, person_id)
    await ensure_approver(tx, actor, person)
    recovery = await open_recovery(tx, person_id, lock=True)
    if recovery is None:
        assert actor.person_id is not None
        recovery = Recovery(
            person_id=person_id,
            started_by_id=actor.person_id,
            expires_at=utcnow() + timedelta(hours=settings.enrollment_valid_hours),
        )
        tx.session.add(recovery)
        await tx.session.flush()
        await audit.record(
            tx.session,
            "recovery.started",
            actor_id=actor.person_id,
            subject=f"person:{person_id}",
            recovery=recovery.id,
        )
    await _refuse_second_approval(tx, actor, recovery)
    options = await passkeys.authentication_options(
        tx,
        settings,
        client=client,
        purpose=PURPOSE,
        person_id=actor.person_id,
        recovery=recovery.id,
    )
    return {"publicKey": options, "recovery": recovery.id}


async def approve(
    tx: Tx, settings: Settings, actor: Actor, person_id: int, credential: dict[str, Any]
) -> Status:
    """Record one official's approval; the last one gets the enrollment link."""
    person = await _person(tx, person_id)
    bodies = await ensure_approver(tx, actor, person)
    assertion = await passkeys.verify_assertion(tx, settings, credential, purpose=PURPOSE)
    subject = f"person:{person_id}"
    if assertion.person.id != actor.person_id:
        await passkeys.refuse(
            tx,
            RecoveryRefused("This approval was signed with another person's passkey."),
            actor_id=actor.person_id,
            subject=subject,
        )
    recovery = await open_recovery(tx, person_id, lock=True)
    if recovery is None or assertion.challenge.context.get("recovery") != recovery.id:
        await passkeys.refuse(
            tx,
            RecoveryRefused(
                "This approval was made for another recovery, or the recovery expired. Start again."
            ),
            actor_id=actor.person_id,
            subject=subject,
        )
    await _refuse_second_approval(tx, actor, recovery)
    assert actor.person_id is not None and assertion.credential.id is not None
    tx.session.add(
        RecoveryApproval(
            recovery_id=recovery.id or 0,
            approver_id=actor.person_id,
            credential_id=assertion.credential.id,
        )
    )
    await tx.session.flush()
    await audit.record(
        tx.session,
        "recovery.approved",
        actor_id=actor.person_id,
        subject=subject,
        recovery=recovery.id,
        credential=assertion.credential.id,
    )
    await security_notices.recovery_approved(tx, person_id, recovery, actor.person_id)
    pairs = await _approvals(tx, recovery)
    approvers = [p for _a, p in pairs]
    approvals = [Approval(p.full_name, a.created_at) for a, p in pairs]
    missing = await _missing(tx, bodies, approvers)
    if missing:
        return Status(recovery, approvals, missing)
    enrollment, url = await issue_recovery_link(
        tx, settings, actor_id=actor.person_id, person_id=person_id
    )
    recovery.completed_at, recovery.enrollment_id = utcnow(), enrollment.id
    tx.session.add(recovery)
    names = [p.full_name for p in approvers]
    await audit.record(
        tx.session,
        "recovery.link_issued",
        actor_id=actor.person_id,
        subject=subject,
        recovery=recovery.id,
        enrollment=enrollment.id,
        approvers=[p.id for p in approvers],
    )
    await security_notices.recovery_link_issued(tx, person_id, recovery, names)
    return Status(recovery, approvals, [], url=url)
