"""Building blocks for the tests of positions, triage, comments and written polls: a
published meeting with items, more members, and one signed-in client per member."""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import text
from sqlmodel import select

from ecabinet.db import Database
from ecabinet.models import AgendaItem, AuditEvent, Body, Document, DocumentVersion, Meeting, utcnow
from ecabinet.settings import Settings
from ecabinet.softauthn import SoftAuthenticator
from ecabinet.vocab import Classification, MeetingState, Role

from .factories import Seat, add_seat, authenticator, enroll


async def make_meeting(
    db: Database,
    body_id: int,
    *,
    items: int = 3,
    deadline_in: timedelta = timedelta(days=1),
    state: MeetingState = MeetingState.PUBLISHED,
) -> tuple[int, list[int]]:
    now = utcnow()
    async with db.transaction() as tx:
        meeting = Meeting(
            body_id=body_id,
            title="Phiên họp Chính phủ thường kỳ tháng 6",
            starts_at=now + deadline_in + timedelta(days=2),
            opinion_deadline=now + deadline_in,
            state=state.value,
            published_at=now,
        )
        tx.session.add(meeting)
        await tx.session.flush()
        assert meeting.id is not None
        rows = [
            AgendaItem(
                meeting_id=meeting.id, ordinal=n, title=f"Tờ trình số {n} về dự thảo Nghị định"
            )
            for n in range(1, items + 1)
        ]
        tx.session.add_all(rows)
        await tx.session.flush()
        return meeting.id, [r.id for r in rows if r.id is not None]


async def pass_deadline(db: Database, meeting_id: int) -> None:
    """The opinion deadline is now a minute ago (the meeting itself is still ahead)."""
    async with db.transaction() as tx:
        meeting = await tx.session.get(Meeting, meeting_id)
        assert meeting is not None
        meeting.opinion_deadline = utcnow() - timedelta(minutes=1)
        tx.session.add(meeting)


async def add_members(
    db: Database,
    settings: Settings,
    body_id: int,
    count: int,
    *,
    role: Role = Role.MEMBER,
    first: int = 1,
) -> list[Seat]:
    seats: list[Seat] = []
    async with db.transaction() as tx:
        body = await tx.session.get(Body, body_id)
        assert body is not None
        for n in range(first, first + count):
            email = f"bo-truong-{n}@chinh-phu.example"
            seats.append(
                await add_seat(tx, settings, body, f"Bộ trưởng {n}", email, role, seat_order=n + 10)
            )
    return seats


@dataclass
class Member:
    seat: Seat
    client: httpx.AsyncClient
    device: SoftAuthenticator


@asynccontextmanager
async def signed_in(
    client: httpx.AsyncClient, settings: Settings, seats: list[Seat]
) -> AsyncIterator[list[Member]]:
    """One browser (client with its own cookies) per seat, each enrolled and signed in."""
    members: list[Member] = []
    try:
        for seat in seats:
            own = httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url))
            device = authenticator(settings)
            answer = await enroll(own, seat.token, device)
            assert answer.status_code in (200, 201), answer.text
            members.append(Member(seat, own, device))
        yield members
    finally:
        for member in members:
            await member.client.aclose()


async def last_event(db: Database, kind_prefix: str = "") -> AuditEvent:
    async with db.read() as session:
        rows = (await session.exec(select(AuditEvent).order_by(AuditEvent.seq.desc()))).all()  # type: ignore[attr-defined]
    for row in rows:
        if row.kind.startswith(kind_prefix):
            return row
    raise AssertionError(f"no audit event {kind_prefix}")


async def events(db: Database, kind: str) -> list[AuditEvent]:
    async with db.read() as session:
        rows = (
            await session.exec(
                select(AuditEvent).where(AuditEvent.kind == kind).order_by(AuditEvent.seq)  # type: ignore[arg-type]
            )
        ).all()
    return list(rows)


async def execute(db: Database, sql: str, **params: Any) -> None:
    async with db.engine.begin() as connection:
        await connection.execute(text(sql), params)


def pdf_text(data: bytes) -> str:
    """The text of a PDF as pdftotext reads it, whitespace collapsed."""
    out = subprocess.run(
        ["pdftotext", "-raw", "-enc", "UTF-8", "-", "-"],
        input=data,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return " ".join(out.split())


async def make_draft(
    db: Database,
    body_id: int,
    item_id: int,
    classification: Classification = Classification.INTERNAL,
) -> tuple[int, int]:
    async with db.transaction() as tx:
        document = Document(
            body_id=body_id,
            item_id=item_id,
            title="Dự thảo Nghị định",
            classification=int(classification),
            classification_basis="Khoản 2 Điều 7" if classification > 1 else "",
        )
        tx.session.add(document)
        await tx.session.flush()
        assert document.id is not None
        version = DocumentVersion(
            document_id=document.id,
            number=1,
            sha256="0" * 64,
            size=10,
            media_type="application/pdf",
            filename="du-thao.pdf",
            page_count=5,
        )
        tx.session.add(version)
        await tx.session.flush()
        assert version.id is not None
        return document.id, version.id
