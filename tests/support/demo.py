"""The demo Government seeded into the test database, and members of it signed in through
the real passkey API: what the reading-room tests read, search and compare."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import pytest
from sqlmodel import col, select
from starlette.applications import Starlette

from ecabinet.db import Database
from ecabinet.demo.seed import SeatLink, seed_government
from ecabinet.models import AgendaItem, Document, DocumentVersion, Meeting
from ecabinet.settings import Settings

from .database import ORIGIN
from .factories import authenticator, csrf_header, enroll

MINISTER_OF_FINANCE = "Lưu Thị Thanh Hương"
SECRETARY = "Tống Đức Minh"
MINISTER_OF_PLANNING = "Mai Thế Hiển"


@dataclass
class Demo:
    app: Starlette
    settings: Settings
    db: Database
    links: list[SeatLink]
    meeting_id: int
    clients: list[httpx.AsyncClient] = field(default_factory=list)

    async def client(self, name: str, language: str = "en") -> httpx.AsyncClient:
        link = next(link for link in self.links if link.label.startswith(name))
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url=ORIGIN)
        http.cookies.set("ecab_lang", language)
        enrolled = await enroll(
            http, link.enroll_url.rsplit("/", 1)[1], authenticator(self.settings)
        )
        assert enrolled.status_code == 201, enrolled.text
        http.headers.update(await csrf_header(http))
        self.clients.append(http)
        return http

    async def items(self) -> list[AgendaItem]:
        async with self.db.read() as session:
            return list(
                (
                    await session.exec(
                        select(AgendaItem)
                        .where(AgendaItem.meeting_id == self.meeting_id)
                        .order_by(col(AgendaItem.ordinal))
                    )
                ).all()
            )

    async def versions(self, title_start: str) -> list[DocumentVersion]:
        async with self.db.read() as session:
            return list(
                (
                    await session.exec(
                        select(DocumentVersion)
                        .join(Document, col(Document.id) == DocumentVersion.document_id)
                        .where(col(Document.title).startswith(title_start))
                        .order_by(col(DocumentVersion.number))
                    )
                ).all()
            )


async def seed_demo(app: Starlette, settings: Settings, db: Database) -> Demo:
    async with db.transaction() as tx:
        links = await seed_government(tx, settings)
    async with db.read() as session:
        meeting = (await session.exec(select(Meeting))).one()
    assert meeting.id is not None
    return Demo(app, settings, db, links, meeting.id)


@pytest.fixture(name="demo")
async def demo_fixture(app: Starlette, settings: Settings, db: Database) -> AsyncIterator[Demo]:
    demo = await seed_demo(app, settings, db)
    yield demo
    for http in demo.clients:
        await http.aclose()
