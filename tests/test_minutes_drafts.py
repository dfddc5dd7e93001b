"""The minutes page of a meeting still in draft is the secretariat's alone, and looking at
a minutes page creates nothing."""

from __future__ import annotations

from sqlmodel import func, select

from ecabinet.db import Database
from ecabinet.models import Minutes

from .support.packets import People, new_meeting


async def _rows(db: Database) -> int:
    async with db.read() as session:
        return (await session.exec(select(func.count()).select_from(Minutes))).one()


async def test_a_drafts_minutes_page_is_refused_to_members_and_creates_nothing(
    people: People, db: Database
) -> None:
    meeting = await new_meeting(people)
    refused = await people["member"].get(f"/meetings/{meeting['id']}/minutes")
    assert refused.status_code == 403
    assert meeting["title"] not in refused.text
    assert "still being prepared" in refused.text
    shown = await people["secretariat"].get(f"/meetings/{meeting['id']}/minutes")
    assert shown.status_code == 200 and meeting["title"] in shown.text
    assert await _rows(db) == 0
