"""A person's passkeys: list, name, add, revoke; the secretariat's help for a lost device."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from .. import audit
from ..auth import passkeys
from ..auth.actor import Actor
from ..auth.login_ends import end_logins_of_credential
from ..auth.permissions import Permission, can, ensure_signed_in
from ..auth.quarantine import Action, ensure_login_may
from ..db import Tx
from ..errors import Forbidden, NotFound, ValidationFailed
from ..i18n import N_
from ..models import Membership, PasskeyCredential, Person, utcnow
from ..settings import Settings
from ..vocab import NoticeKind
from . import notifications
from .signin import ensure_fresh

ADD_DEVICE = "add-device"


async def passkeys_of(tx: Tx, person_id: int) -> list[PasskeyCredential]:
    rows = await tx.session.exec(
        select(PasskeyCredential)
        .where(PasskeyCredential.person_id == person_id)
        .order_by(col(PasskeyCredential.created_at))
    )
    return list(rows.all())


async def _own_passkey(tx: Tx, actor: Actor, passkey_id: int) -> PasskeyCredential:
    ensure_signed_in(actor)
    row = await tx.session.get(PasskeyCredential, passkey_id)
    if row is None or row.person_id != actor.person_id:
        raise NotFound("You have no passkey with the number %(id)s.", id=passkey_id)
    return row


async def _ensure_may_change(tx: Tx, actor: Actor, row: PasskeyCredential) -> None:
    """A passkey in quarantine may retire itself, never the person's other devices: a
    thief who revoked them would leave nobody to reject the thief's passkey."""
    if actor.login is None or actor.login.credential_id != row.id:
        await ensure_login_may(tx, actor, Action.CHANGE_DEVICES)


async def rename_passkey(tx: Tx, actor: Actor, passkey_id: int, name: str) -> PasskeyCredential:
    row = await _own_passkey(tx, actor, passkey_id)
    await _ensure_may_change(tx, actor, row)
    cleaned = " ".join(name.split())
    if not cleaned or len(cleaned) > 100:
        raise ValidationFailed("A device name has 1 to 100 characters.")
    row.device_name = cleaned
    tx.session.add(row)
    await audit.record(
        tx.session,
        "passkey.renamed",
        actor_id=actor.person_id,
        subject=f"person:{row.person_id}",
        credential=row.id,
        name=cleaned,
    )
    return row


async def revoke_own_passkey(tx: Tx, actor: Actor, passkey_id: int) -> PasskeyCredential:
    row = await _own_passkey(tx, actor, passkey_id)
    await _ensure_may_change(tx, actor, row)
    return await revoke_row(tx, row, actor_id=actor.person_id, reason="revoked by its owner")


async def shares_managed_body(tx: Tx, actor: Actor, person_id: int) -> bool:
    """The actor may manage the person if they manage any body the person sits in."""
    if actor.is_admin:
        return True
    bodies = (
        await tx.session.exec(
            select(Membership.body_id).where(
                Membership.person_id == person_id, col(Membership.active)
            )
        )
    ).all()
    return any(can(actor, Permission.MANAGE_MEMBERS, body_id) for body_id in bodies)


async def ensure_manages(tx: Tx, actor: Actor, person_id: int) -> Person:
    ensure_signed_in(actor)
    person = await tx.session.get(Person, person_id)
    if person is None or not await shares_managed_body(tx, actor, person_id):
        raise Forbidden("You do not manage this person's seat.")
    return person


async def revoke_for_person(
    tx: Tx, actor: Actor, person_id: int, passkey_id: int, reason: str
) -> PasskeyCredential:
    """The secretariat revokes a lost or stolen device."""
    await ensure_manages(tx, actor, person_id)
    await ensure_login_may(tx, actor, Action.MANAGE_PEOPLE)
    row = await tx.session.get(PasskeyCredential, passkey_id)
    if row is None or row.person_id != person_id:
        raise NotFound("This person has no passkey with the number %(id)s.", id=passkey_id)
    return await revoke_row(tx, row, actor_id=actor.person_id, reason=reason or "lost device")


async def revoke_row(
    tx: Tx, row: PasskeyCredential, *, actor_id: int | None, reason: str
) -> PasskeyCredential:
    if row.revoked_at is not None:
        return row
    row.revoked_at = utcnow()
    row.revoked_reason = reason[:255]
    tx.session.add(row)
    assert row.id is not None
    # Whoever holds the lost device must not stay signed in through it.
    await end_logins_of_credential(tx, row.id, reason="revoked")
    await audit.record(
        tx.session,
        "passkey.revoked",
        actor_id=actor_id,
        subject=f"person:{row.person_id}",
        credential=row.id,
        reason=reason,
    )
    return row


async def add_device_options(
    tx: Tx, settings: Settings, actor: Actor, *, client: passkeys.Client
) -> dict[str, Any]:
    ensure_fresh(actor)
    await ensure_login_may(tx, actor, Action.ADD_DEVICE)
    assert actor.person is not None
    return await passkeys.registration_options(
        tx, settings, actor.person, client=client, purpose=ADD_DEVICE
    )


async def add_device(
    tx: Tx, settings: Settings, actor: Actor, credential: dict[str, Any], device_name: str
) -> PasskeyCredential:
    ensure_fresh(actor)
    await ensure_login_may(tx, actor, Action.ADD_DEVICE)
    assert actor.person is not None
    row = await passkeys.register_credential(
        tx,
        settings,
        actor.person,
        credential,
        purpose=ADD_DEVICE,
        device_name=device_name,
        actor_id=actor.person_id,
    )
    # Told on every channel, muted or not: a passkey added by someone else is a takeover.
    await notifications.account_notice(
        tx,
        row.person_id,
        NoticeKind.ACCOUNT_DEVICE,
        N_(
            'A new passkey "%(device)s" was added to your account at %(when)s. If it was '
            "not you, revoke it on your devices page and call the secretariat at once."
        ),
        device=row.device_name,
        when=notifications.stamp(row.created_at),
    )
    return row
