"""Shared pieces for the meeting and document tests: people signed in through the real
passkey API (one HTTP client each), PDFs made on the spot, and a meeting to work on."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pypdf import PdfWriter
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy import update
from sqlmodel import col, select
from starlette.applications import Starlette

from ecabinet.actions import meetings
from ecabinet.auth.actor import Actor
from ecabinet.auth.actor_cache import actors_changed
from ecabinet.db import Database
from ecabinet.models import Membership, Person, StoredBlob, utcnow
from ecabinet.settings import Settings

from .database import ORIGIN
from .factories import Seat, authenticator, csrf_header, enroll, seat_people


@dataclass
class People:
    seats: dict[str, Seat]
    clients: dict[str, httpx.AsyncClient] = field(default_factory=dict)
    headers: dict[str, dict[str, str]] = field(default_factory=dict)

    def __getitem__(self, role: str) -> httpx.AsyncClient:
        return self.clients[role]

    @property
    def body_id(self) -> int:
        return self.seats["secretariat"].body_id


async def sign_in_people(
    app: Starlette,
    settings: Settings,
    db: Database,
    roles: tuple[str, ...] = ("secretariat", "member", "chair"),
) -> People:
    people = People(await seat_people(db, settings))
    for role in roles:
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ORIGIN)
        # Refusals are asserted by their English text.
        client.cookies.set("ecab_lang", "en")
        enrolled = await enroll(client, people.seats[role].token, authenticator(settings))
        assert enrolled.status_code == 201, enrolled.text
        people.clients[role] = client
        people.headers[role] = await csrf_header(client)
    return people


@pytest.fixture(name="people")
async def people_fixture(app: Starlette, settings: Settings, db: Database) -> AsyncIterator[People]:
    signed = await sign_in_people(app, settings, db)
    yield signed
    for client in signed.clients.values():
        await client.aclose()


async def set_clearance(db: Database, person_id: int, level: int) -> None:
    async with db.transaction() as tx:
        await tx.session.exec(
            update(Membership).where(col(Membership.person_id) == person_id).values(clearance=level)
        )
        actors_changed(tx, [person_id], "clearance")


def make_pdf(
    pages: int = 2, text: str = "Du thao Nghi dinh", *, size: tuple[float, float] = (595.0, 842.0)
) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=size)
    for number in range(1, pages + 1):
        canvas.setFont("Helvetica", 14)
        canvas.drawString(72, size[1] - 100, f"{text} - page {number}")
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def encrypted_pdf() -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(make_pdf()))
    writer.encrypt("mat-khau")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def png_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 10, 10)).save(buffer, "PNG")
    return buffer.getvalue()


def meeting_body(days_ahead: float = 10, **extra: Any) -> dict[str, Any]:
    starts = utcnow() + timedelta(days=days_ahead)
    return {
        "title": "Phiên họp Chính phủ thường kỳ tháng 6",
        "kind": "regular",
        "form": "mixed",
        "place": "Trụ sở Chính phủ",
        "startsAt": starts.isoformat(),
        "opinionDeadline": (starts - timedelta(days=2)).isoformat(),
        **extra,
    }


async def new_meeting(people: People, days_ahead: float = 10) -> dict[str, Any]:
    response = await people["secretariat"].post(
        f"/api/bodies/{people.body_id}/meetings", json=meeting_body(days_ahead)
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def new_item(people: People, meeting_id: int, title: str = "Dự án Luật Thuế") -> int:
    response = await people["secretariat"].post(
        f"/api/meetings/{meeting_id}/items",
        json={"title": title, "kind": "decision", "presenter": "Bộ Tài chính"},
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def upload(
    people: People,
    url: str,
    data: bytes,
    filename: str = "du-thao.pdf",
    role: str = "secretariat",
    **fields: str,
) -> httpx.Response:
    return await people[role].post(
        url,
        files={"file": (filename, data, "application/pdf")},
        data=fields,
        headers=people.headers[role],
    )


async def attach(
    people: People,
    item_id: int,
    data: bytes | None = None,
    *,
    classification: str = "internal",
    basis: str = "",
    title: str = "Tờ trình",
) -> dict[str, Any]:
    response = await upload(
        people,
        f"/api/items/{item_id}/documents",
        data or make_pdf(),
        title=title,
        classification=classification,
        basis=basis,
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def leftovers(settings: Settings) -> list[Path]:
    """Files left in the upload staging directory (there must be none)."""
    staging = settings.upload_dir
    return sorted(staging.iterdir()) if staging.exists() else []


async def blob_count(db: Database, settings: Settings) -> int:
    """Blobs held by the store in use: files on SQLite, rows on PostgreSQL."""
    if db.is_sqlite:
        root = settings.data_dir / "blobs"
        return sum(1 for p in root.rglob("*") if p.is_file()) if root.exists() else 0
    async with db.read() as session:
        return len((await session.exec(select(StoredBlob.sha256))).all())


async def actor_of_person(db: Database, person_id: int) -> Actor:
    async with db.read() as session:
        person = await session.get(Person, person_id)
        seats = (
            await session.exec(select(Membership).where(Membership.person_id == person_id))
        ).all()
    return Actor(person=person, memberships={seat.body_id: seat for seat in seats})


async def open_and_close(
    db: Database, people: People, meeting_id: int, *, close: bool = True
) -> None:
    """The chair opens the session (and closes the meeting): the live-session actions
    build on these transitions of the meeting's life cycle."""
    chair = await actor_of_person(db, people.seats["chair"].person_id)
    async with db.transaction() as tx:
        await meetings.open_session(tx, chair, meeting_id)
    if close:
        async with db.transaction() as tx:
            await meetings.close(tx, chair, meeting_id)
