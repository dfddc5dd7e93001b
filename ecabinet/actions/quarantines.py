"""The person's earlier devices decide about a passkey registered through recovery: end
its quarantine early, or reject it (revoked, its sessions ended). A passkey in quarantine
cannot decide about itself or another one."""

from __future__ import annotations

from sqlmodel import col, select

from .. import audit
from ..auth.actor import Actor
from ..auth.actor_cache import actors_changed
from ..auth.permissions import ensure_signed_in
from ..auth.quarantine import Action, active_quarantine, ensure_login_may
from ..db import Tx
from ..errors import Conflict, NotFound
from ..models import PasskeyCredential, PasskeyQuarantine, utcnow
from . import security_notices
from .devices import revoke_row
from .signin import ensure_fresh


async def quarantines_of(tx: Tx, person_id: int) -> dict[int, PasskeyQuarantine]:
    """The person's quarantines still running, by credential id."""
    rows = (
        await tx.session.exec(
            select(PasskeyQuarantine).where(
                PasskeyQuarantine.person_id == person_id,
                col(PasskeyQuarantine.ended_at).is_(None),
                col(PasskeyQuarantine.until) > utcnow(),
            )
        )
    ).all()
    return {row.credential_id: row for row in rows}


async def _target(
    tx: Tx, actor: Actor, passkey_id: int
) -> tuple[PasskeyCredential, PasskeyQuarantine, PasskeyCredential | None]:
    ensure_signed_in(actor)
    assert actor.login is not None
    row = await tx.session.get(PasskeyCredential, passkey_id)
    if row is None or row.person_id != actor.person_id:
        raise NotFound("You have no passkey with the number %(id)s.", id=passkey_id)
    # The session's own passkey must be one of the earlier, trusted devices.
    await ensure_login_may(tx, actor, Action.END_QUARANTINE)
    quarantine = await active_quarantine(tx.session, row.id)
    if quarantine is None or row.revoked_at is not None:
        raise Conflict("This passkey is not in quarantine.")
    by = (
        None
        if actor.login.credential_id is None
        else await tx.session.get(PasskeyCredential, actor.login.credential_id)
    )
    return row, quarantine, by


async def _end(
    tx: Tx,
    actor: Actor,
    row: PasskeyCredential,
    quarantine: PasskeyQuarantine,
    by: PasskeyCredential | None,
    outcome: str,
) -> None:
    quarantine.ended_at, quarantine.outcome = utcnow(), outcome
    quarantine.ended_by_credential_id = None if by is None else by.id
    tx.session.add(quarantine)
    await tx.session.flush()
    actors_changed(tx, [row.person_id], f"quarantine {outcome}")
    await audit.record(
        tx.session,
        f"quarantine.{outcome}",
        actor_id=actor.person_id,
        subject=f"person:{row.person_id}",
        credential=row.id,
        by_credential=None if by is None else by.id,
    )


async def release(tx: Tx, actor: Actor, passkey_id: int) -> PasskeyCredential:
    """End the quarantine now: needs a fresh check with an earlier device."""
    ensure_fresh(actor)
    row, quarantine, by = await _target(tx, actor, passkey_id)
    await _end(tx, actor, row, quarantine, by, "released")
    await security_notices.quarantine_ended(tx, row.person_id, row, rejected=False, by=by)
    return row


async def reject(tx: Tx, actor: Actor, passkey_id: int) -> PasskeyCredential:
    """Not mine: revoke the recovered passkey and end every session it opened."""
    row, quarantine, by = await _target(tx, actor, passkey_id)
    await _end(tx, actor, row, quarantine, by, "rejected")
    await revoke_row(tx, row, actor_id=actor.person_id, reason="rejected after recovery")
    await security_notices.quarantine_ended(tx, row.person_id, row, rejected=True, by=by)
    return row


async def end_expired(tx: Tx) -> int:
    """The sweeper closes quarantines whose time ran out, and tells each person."""
    rows = list(
        (
            await tx.session.exec(
                select(PasskeyQuarantine)
                .where(
                    col(PasskeyQuarantine.ended_at).is_(None),
                    col(PasskeyQuarantine.until) <= utcnow(),
                )
                .with_for_update()
            )
        ).all()
    )
    for quarantine in rows:
        row = await tx.session.get(PasskeyCredential, quarantine.credential_id)
        assert row is not None
        quarantine.ended_at, quarantine.outcome = utcnow(), "expired"
        tx.session.add(quarantine)
        actors_changed(tx, [row.person_id], "quarantine expired")
        await audit.record(
            tx.session, "quarantine.expired", subject=f"person:{row.person_id}", credential=row.id
        )
        if row.revoked_at is None:
            await security_notices.quarantine_expired(tx, row.person_id, row)
    return len(rows)
