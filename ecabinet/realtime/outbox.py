"""What a transaction will tell the tablets, decided inside the transaction itself.

Just before commit, every event about a meeting takes the meeting's next sequence number
(an atomic increment of ``meeting.event_seq``, so concurrent transactions in several
processes never share a number), a ballot event takes the running count of its question
(counted after that increment, whose row lock the meeting's next writer waits for: the
ballots of a vote are counted one after another, in the order they commit, so each count
is exact although they share the poll's lock), and on PostgreSQL each event is handed to
``pg_notify``, which PostgreSQL delivers to every listening process only if the
transaction commits. A process killed right after the commit loses nothing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import text, update
from sqlmodel import col, func, select

from ..db import Database, Tx
from ..events import Event, EventKind
from ..models import Ballot, Meeting

CHANNEL = "ecabinet_live"
# PostgreSQL refuses NOTIFY payloads of 8000 bytes or more.
PAYLOAD_LIMIT = 7500


def install(db: Database) -> None:
    """Add the hooks once per database, however many apps share it."""
    if getattr(db, "_live_outbox", False):
        return
    db.before_commit.append(number_events)
    db.before_commit.append(count_ballots)
    if not db.is_sqlite:
        db.before_commit.append(notify)
    db._live_outbox = True  # type: ignore[attr-defined]


def seq_of(event: Event) -> int:
    seq = event.data.get("seq")
    return seq if isinstance(seq, int) else 0


async def number_events(tx: Tx) -> None:
    """Number the events that are not numbered yet (some actions number their own)."""
    waiting: dict[int, list[int]] = {}
    for index, event in enumerate(tx.events):
        if event.meeting_id is not None and "seq" not in event.data:
            waiting.setdefault(event.meeting_id, []).append(index)
    for meeting_id, indexes in waiting.items():
        result = await tx.session.exec(
            update(Meeting)
            .where(col(Meeting.id) == meeting_id)
            .values(event_seq=col(Meeting.event_seq) + len(indexes))
            .returning(col(Meeting.event_seq))
        )
        first = int(result.scalar_one()) - len(indexes) + 1
        for offset, index in enumerate(indexes):
            event = tx.events[index]
            tx.events[index] = replace(event, data={**event.data, "seq": first + offset})


async def count_ballots(tx: Tx) -> None:
    # After number_events: this transaction holds the meeting's row until it commits, and
    # the count, a statement of its own, sees every ballot committed before it took it.
    for index, event in enumerate(tx.events):
        if event.kind != EventKind.BALLOT_CAST or event.meeting_id is None:
            continue
        cast = (
            await tx.session.exec(
                select(func.count())
                .select_from(Ballot)
                .where(
                    Ballot.question_id == event.data["question_id"],
                    col(Ballot.superseded_by_id).is_(None),
                )
            )
        ).one()
        tx.events[index] = replace(event, data={**event.data, "cast": int(cast)})


def encode(event: Event) -> str:
    """The NOTIFY payload; when too large, only what tells a process to refresh."""
    message: dict[str, Any] = {
        "k": event.kind,
        "b": event.body_id,
        "m": event.meeting_id,
        "r": sorted(event.recipients),
        "d": event.data,
    }
    payload = json.dumps(message, separators=(",", ":"), default=str)
    if len(payload.encode()) < PAYLOAD_LIMIT:
        return payload
    trimmed = {
        "k": event.kind,
        "b": event.body_id,
        "m": event.meeting_id,
        "d": {"seq": seq_of(event)},
        "t": 1,
    }
    return json.dumps(trimmed, separators=(",", ":"))


def decode(payload: str) -> Event:
    """Raises ValueError for a kind this process does not know (a newer process sent it
    during a rolling upgrade): the listener logs it and carries on."""
    message = json.loads(payload)
    return Event(
        kind=EventKind(message["k"]),
        data=message.get("d") or {},
        body_id=message.get("b"),
        meeting_id=message.get("m"),
        recipients=frozenset(message.get("r") or ()),
        trimmed=bool(message.get("t")),
    )


async def notify(tx: Tx) -> None:
    await send(tx, tx.events)


async def send(tx: Tx, events: Sequence[Event]) -> None:
    connection = await tx.session.connection()
    for event in events:
        await connection.execute(
            text("SELECT pg_notify(:channel, :payload)"),
            {"channel": CHANNEL, "payload": encode(event)},
        )
