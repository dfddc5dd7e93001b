"""The one check of quarantine: a passkey registered through recovery may sign in and read,
but not act, until its quarantine ends.

Every path that acts for a person calls :func:`ensure_not_quarantined`, with the passkey
that proved the person: the assertion's credential for ballots, check-in, approvals and
recovery approvals (through :func:`ecabinet.auth.passkeys.verify_assertion`), and the
credential the session was opened with for signing minutes, adding devices and managing
people (through :func:`ensure_login_may`).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..db import Tx
from ..errors import Forbidden
from ..i18n import N_
from ..models import PasskeyQuarantine, utcnow
from .actor import Actor
from .permissions import ensure_signed_in


class Action(StrEnum):
    VOTE = "vote"
    CHECK_IN = "check-in"
    APPROVE_MINUTES = "approve-minutes"
    SIGN_MINUTES = "sign-minutes"
    ADD_DEVICE = "add-device"
    CHANGE_DEVICES = "change-devices"
    MANAGE_PEOPLE = "manage-people"
    END_QUARANTINE = "end-quarantine"


# The assertion purposes that act for the person; signing in, "fresh" checks and
# enrollment are reading or proving, which a quarantined passkey may do.
PURPOSE_ACTIONS: dict[str, Action] = {
    "ballot": Action.VOTE,
    "checkin": Action.CHECK_IN,
    "minutes-approval": Action.APPROVE_MINUTES,
    "minutes-signature": Action.SIGN_MINUTES,
    "recovery": Action.MANAGE_PEOPLE,
}

# One sentence per action, so each reads naturally in Vietnamese too.
REFUSALS: dict[Action, str] = {
    Action.VOTE: N_(
        "This passkey was registered through account recovery and is in "
        "quarantine until %(until)s: it may sign in and read, but not vote."
    ),
    Action.CHECK_IN: N_(
        "This passkey was registered through account recovery and is in "
        "quarantine until %(until)s: it may sign in and read, but not check "
        "in to a session."
    ),
    Action.APPROVE_MINUTES: N_(
        "This passkey was registered through account recovery and is "
        "in quarantine until %(until)s: it may sign in and read, but "
        "not approve minutes."
    ),
    Action.SIGN_MINUTES: N_(
        "This passkey was registered through account recovery and is in "
        "quarantine until %(until)s: it may sign in and read, but not "
        "sign minutes."
    ),
    Action.ADD_DEVICE: N_(
        "This passkey was registered through account recovery and is in "
        "quarantine until %(until)s: it may sign in and read, but not add "
        "devices."
    ),
    Action.CHANGE_DEVICES: N_(
        "This passkey was registered through account recovery and is "
        "in quarantine until %(until)s: it may sign in and read, but "
        "not rename or revoke your other devices."
    ),
    Action.MANAGE_PEOPLE: N_(
        "This passkey was registered through account recovery and is "
        "in quarantine until %(until)s: it may sign in and read, but not "
        "manage people, roles or recoveries."
    ),
    Action.END_QUARANTINE: N_(
        "This passkey was registered through account recovery and is "
        "in quarantine until %(until)s: only one of your earlier "
        "devices can end a quarantine."
    ),
}


class QuarantineRefused(Forbidden):
    title = "Passkey in quarantine"
    kind = "quarantine"


async def active_quarantine(
    db: AsyncSession, credential_id: int | None
) -> PasskeyQuarantine | None:
    if credential_id is None:
        return None
    row = (
        await db.exec(
            select(PasskeyQuarantine).where(
                PasskeyQuarantine.credential_id == credential_id,
                col(PasskeyQuarantine.ended_at).is_(None),
            )
        )
    ).first()
    if row is None or row.until <= utcnow():
        return None
    return row


def until_text(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


async def ensure_not_quarantined(
    tx: Tx, credential_id: int | None, action: Action, *, actor_id: int | None
) -> None:
    """Refuse, audited, when the passkey is in quarantine. What the transaction did before
    (a burned challenge, an updated sign count) is kept with the refusal."""
    await refuse_if_active(
        tx,
        await active_quarantine(tx.session, credential_id),
        credential_id,
        action,
        actor_id=actor_id,
    )


def still_active(rows: list[PasskeyQuarantine]) -> PasskeyQuarantine | None:
    """Of a passkey's quarantines not ended (already read), one still running, if any."""
    now = utcnow()
    return next((row for row in rows if row.ended_at is None and row.until > now), None)


async def refuse_if_active(
    tx: Tx,
    row: PasskeyQuarantine | None,
    credential_id: int | None,
    action: Action,
    *,
    actor_id: int | None,
) -> None:
    """The refusal of :func:`ensure_not_quarantined`, for a quarantine already read (the
    passkey check reads it in the same statement as the credential)."""
    if row is None:
        return
    error = QuarantineRefused(REFUSALS[action], until=until_text(row.until))
    await tx.refuse(
        error,
        actor_id=actor_id,
        subject=f"person:{row.person_id}",
        credential=credential_id,
        action=action.value,
        until=row.until.isoformat(),
    )


async def ensure_login_may(tx: Tx, actor: Actor, action: Action) -> None:
    """The check for actions taken on the strength of the login: the passkey it was
    opened with must not be in quarantine."""
    ensure_signed_in(actor)
    assert actor.login is not None
    await ensure_not_quarantined(tx, actor.login.credential_id, action, actor_id=actor.person_id)
