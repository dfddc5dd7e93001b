"""Append-only, hash-chained audit log.

Each event's hash covers the canonical JSON of (previous hash, the event), so altering,
removing or reordering any row breaks the chain from there on. Events are written in the
same transaction as the change they record. Nothing in the application updates or deletes
an audit row, and the database refuses it (triggers of migration seams_01).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session, SessionTransaction
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from .errors import ConfigurationError, EcabinetError
from .models import AuditEvent, AuditHead, utcnow

GENESIS = "0" * 64


def canonical(value: Any) -> bytes:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    ).encode("utf-8")


def event_hash(
    *,
    prev_hash: str,
    seq: int,
    at: datetime,
    actor_id: int | None,
    kind: str,
    body_id: int | None,
    subject: str,
    data: dict[str, Any],
) -> str:
    record = {
        "prev": prev_hash,
        "seq": seq,
        "at": at.isoformat(timespec="microseconds"),
        "actor": actor_id,
        "kind": kind,
        "body": body_id,
        "subject": subject,
        "data": data,
    }
    return hashlib.sha256(canonical(record)).hexdigest()


# Events recorded in a transaction wait here until it commits (see _append_pending).
_PENDING = "ecabinet.audit.pending"


@dataclass(frozen=True)
class _Pending:
    at: datetime
    actor_id: int | None
    kind: str
    body_id: int | None
    subject: str
    data: dict[str, Any]


async def record(
    db: AsyncSession,
    kind: str,
    *,
    actor_id: int | None = None,
    body_id: int | None = None,
    subject: str = "",
    **data: Any,
) -> None:
    """Record one event in the caller's transaction; it joins the chain when it commits.

    The lock order of every write is: the rows the action needs (a poll, then its
    meeting), the meeting's event counter at commit, and the audit head LAST, taken in
    the commit itself. A transaction that took the head early and a meeting row later
    deadlocked against one that did the opposite (a ballot against a check-in); taken
    last, the head is also held for the shortest time, so audited writes of different
    meetings hardly wait for each other.
    """
    # JSON round trip so the hashed data is exactly what the database will give back.
    clean = json.loads(canonical(data))
    db.info.setdefault(_PENDING, []).append(
        _Pending(utcnow(), actor_id, kind, body_id, subject, clean)
    )


def has_pending(db: Session) -> bool:
    return bool(db.info.get(_PENDING))


def _append_pending(db: Session) -> None:
    """Just before COMMIT: lock the head, chain the transaction's events in order."""
    pending: list[_Pending] = db.info.pop(_PENDING, [])
    if not pending:
        return
    # FOR UPDATE serialises appends across server processes on PostgreSQL; SQLite
    # write transactions are already serial (BEGIN IMMEDIATE).
    head = (
        db.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalars().first()
    )
    if head is None:
        # The head row is made by the migrations (seams_01), never here: two first
        # writers creating it at once would collide.
        raise ConfigurationError("The audit log has no head row: run `ecabinet db upgrade`.")
    seq, prev = head.seq, head.hash
    for event in pending:
        seq += 1
        digest = event_hash(
            prev_hash=prev,
            seq=seq,
            at=event.at,
            actor_id=event.actor_id,
            kind=event.kind,
            body_id=event.body_id,
            subject=event.subject,
            data=event.data,
        )
        db.add(
            AuditEvent(
                seq=seq,
                at=event.at,
                actor_id=event.actor_id,
                kind=event.kind,
                body_id=event.body_id,
                subject=event.subject,
                data=event.data,
                prev_hash=prev,
                hash=digest,
            )
        )
        prev = digest
    head.seq, head.hash = seq, prev
    db.add(head)
    db.flush()


def _forget_pending(db: Session, transaction: SessionTransaction) -> None:
    # Only when the outermost transaction ends: a savepoint rolled back inside it (a
    # duplicate insert caught) leaves the events recorded around it in place.
    if transaction.parent is None:
        db.info.pop(_PENDING, None)


# Every commit, whoever makes it (a transaction scope, a refusal that keeps its changes),
# chains the events it recorded; a transaction that ends otherwise forgets them.
sa_event.listen(Session, "before_commit", _append_pending)
sa_event.listen(Session, "after_transaction_end", _forget_pending)


async def refusal(
    db: AsyncSession,
    error: EcabinetError,
    *,
    actor_id: int | None = None,
    subject: str = "",
    **data: Any,
) -> None:
    """The one shape of a refusal on the record: ``refused.<kind>`` with its reason."""
    await record(
        db,
        f"refused.{error.kind}",
        actor_id=actor_id,
        subject=subject,
        reason=error.detail,
        **data,
    )


@dataclass(frozen=True)
class ChainReport:
    checked: int
    head: str
    broken_seq: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_seq is None


async def _events(
    db: AsyncSession, batch: int = 2000, upto: int | None = None
) -> AsyncIterator[AuditEvent]:
    last = 0
    while True:
        query = select(AuditEvent).where(AuditEvent.seq > last)
        if upto is not None:
            query = query.where(AuditEvent.seq <= upto)
        result = await db.exec(query.order_by(col(AuditEvent.seq)).limit(batch))
        rows = list(result.all())
        if not rows:
            return
        for row in rows:
            yield row
        last = rows[-1].seq


async def verify_chain(db: AsyncSession, *, upto: int | None = None) -> ChainReport:
    """Recompute every hash; report the first event whose link is broken.

    With ``upto``, only the chain up to that event: a past head (the one printed in signed
    minutes) is confirmed when the chain is intact up to it and ``head`` equals it."""
    prev = GENESIS
    expected_seq = 1
    checked = 0
    async for row in _events(db, upto=upto):
        if row.seq != expected_seq:
            return ChainReport(
                checked,
                prev,
                expected_seq,
                f"event #{expected_seq} is missing (next found is #{row.seq})",
            )
        if row.prev_hash != prev:
            return ChainReport(
                checked,
                prev,
                row.seq,
                f"event #{row.seq} ({row.kind}) does not point at the hash of the event before it",
            )
        recomputed = event_hash(
            prev_hash=prev,
            seq=row.seq,
            at=row.at,
            actor_id=row.actor_id,
            kind=row.kind,
            body_id=row.body_id,
            subject=row.subject,
            data=row.data,
        )
        if recomputed != row.hash:
            return ChainReport(
                checked,
                prev,
                row.seq,
                f"event #{row.seq} ({row.kind}) was altered: its content no "
                "longer matches its hash",
            )
        prev = row.hash
        expected_seq += 1
        checked += 1
    if upto is not None:
        if checked != upto:
            return ChainReport(
                checked,
                prev,
                checked + 1,
                f"event #{upto} is not in the log (it ends at #{checked})",
            )
        return ChainReport(checked, prev)
    head = (await db.exec(select(AuditHead).where(AuditHead.id == 1))).first()
    if head is not None and (head.seq, head.hash) != (checked, prev):
        return ChainReport(
            checked,
            prev,
            checked + 1,
            f"the chain head says #{head.seq} but the log ends at #{checked}: "
            "events were removed from the end",
        )
    return ChainReport(checked, prev)


async def head_hash(db: AsyncSession) -> str:
    head = (await db.exec(select(AuditHead).where(AuditHead.id == 1))).first()
    return GENESIS if head is None else head.hash
