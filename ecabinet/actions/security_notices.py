"""What a person is told about their own account: every passkey registered for them, every
recovery approval, every quarantine that ends. Account notices go out on every channel at
once, whatever the person's preferences (notifications.account_notice); the devices page
lists them. The subject says which event it was ("recovered:passkey:7")."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import col, select

from ..db import Tx
from ..i18n import N_
from ..models import Notification, PasskeyCredential, Person, Recovery
from ..vocab import NoticeKind
from .notifications import account_notice

KINDS = (NoticeKind.ACCOUNT_DEVICE.value, NoticeKind.ACCOUNT_RECOVERY.value)
LINK = "/me/devices"


async def name_of(tx: Tx, person_id: int | None) -> str:
    person = None if person_id is None else await tx.session.get(Person, person_id)
    return "e-Cabinet" if person is None else person.full_name


def _at(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


async def _tell(
    tx: Tx, person_id: int, kind: str, message: str, subject: str, **params: str
) -> None:
    notice = (
        NoticeKind.ACCOUNT_RECOVERY if kind.startswith("recovery") else NoticeKind.ACCOUNT_DEVICE
    )
    fill: dict[str, Any] = dict(params)
    row = await account_notice(tx, person_id, notice, message, link=LINK, **fill)
    row.subject = f"{kind}:{subject}"[:64]
    tx.session.add(row)


async def recovery_approved(tx: Tx, person_id: int, recovery: Recovery, approver_id: int) -> None:
    await _tell(
        tx,
        person_id,
        "recovery-approved",
        N_(
            "%(approver)s approved a recovery of your account: a new device may be registered "
            "for you once every approval is in. If you did not ask for it, tell the "
            "secretariat at once."
        ),
        f"recovery:{recovery.id}",
        approver=await name_of(tx, approver_id),
    )


async def recovery_link_issued(
    tx: Tx, person_id: int, recovery: Recovery, approvers: list[str]
) -> None:
    await _tell(
        tx,
        person_id,
        "recovery-link",
        N_("A recovery link for a new device was issued for you, approved by %(approvers)s."),
        f"recovery:{recovery.id}",
        approvers=", ".join(approvers),
    )


async def recovered(
    tx: Tx, person_id: int, row: PasskeyCredential, recovery: Recovery, until: datetime
) -> None:
    await _tell(
        tx,
        person_id,
        "recovered",
        N_(
            "A passkey “%(device)s” was registered for you through account recovery. It is in "
            "quarantine until %(until)s: it can sign in and read, not vote or sign. If it is "
            "not yours, reject it from one of your earlier devices."
        ),
        f"passkey:{row.id}",
        device=row.device_name,
        until=_at(until),
    )


async def quarantine_ended(
    tx: Tx, person_id: int, row: PasskeyCredential, *, rejected: bool, by: PasskeyCredential | None
) -> None:
    by_name = "?" if by is None else by.device_name
    if rejected:
        await _tell(
            tx,
            person_id,
            "quarantine-rejected",
            N_(
                "The passkey “%(device)s” registered through recovery was rejected from your "
                "device “%(by)s”: it is revoked and its sessions ended."
            ),
            f"passkey:{row.id}",
            device=row.device_name,
            by=by_name,
        )
    else:
        await _tell(
            tx,
            person_id,
            "quarantine-ended",
            N_(
                "The quarantine of the passkey “%(device)s” was ended early from your device "
                "“%(by)s”: it may now vote and sign."
            ),
            f"passkey:{row.id}",
            device=row.device_name,
            by=by_name,
        )


async def quarantine_expired(tx: Tx, person_id: int, row: PasskeyCredential) -> None:
    await _tell(
        tx,
        person_id,
        "quarantine-expired",
        N_(
            "The quarantine of the passkey “%(device)s” registered through recovery has ended: "
            "it may now vote and sign."
        ),
        f"passkey:{row.id}",
        device=row.device_name,
    )


async def history(tx: Tx, person_id: int, *, limit: int = 30) -> list[Notification]:
    """The person's account events, newest first, for their devices page."""
    rows = await tx.session.exec(
        select(Notification)
        .where(Notification.person_id == person_id, col(Notification.kind).in_(KINDS))
        .order_by(col(Notification.created_at).desc(), col(Notification.id).desc())
        .limit(limit)
    )
    return list(rows.all())
