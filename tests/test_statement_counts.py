"""How many SQL statements the hot paths send: a regression test, not a timing.

A download and a page are counted from the request to the answer's last byte (BEGIN and
COMMIT apart, as transactions and commits); a change that adds a query to these paths
has to change the numbers here, on purpose. (The timings are in bench/, never in tests.)"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import event
from sqlmodel import select

from ecabinet import audit
from ecabinet.db import Database
from ecabinet.models import Body

from .conftest import on_postgres
from .packet_helpers import (  # noqa: F401 (fixture)
    People,
    attach,
    make_pdf,
    new_item,
    new_meeting,
    people_fixture,
)


@dataclass
class Sent:
    statements: list[str] = field(default_factory=list)  # BEGIN and COMMIT left out
    transactions: int = 0
    commits: int = 0


@contextmanager
def counting(db: Database) -> Iterator[Sent]:
    sent = Sent()

    def statement(_conn: Any, _cursor: Any, text: str, *_args: Any) -> None:
        if not text.startswith(("BEGIN", "COMMIT")):
            sent.statements.append(" ".join(text.split())[:100])

    def begin(_conn: Any) -> None:
        sent.transactions += 1

    def commit(_conn: Any) -> None:
        sent.commits += 1

    engine = db.engine.sync_engine
    listeners = (("before_cursor_execute", statement), ("begin", begin), ("commit", commit))
    for name, listener in listeners:
        event.listen(engine, name, listener)
    try:
        yield sent
    finally:
        for name, listener in listeners:
            event.remove(engine, name, listener)


async def _published_version(people: People) -> tuple[int, dict[str, Any]]:
    meeting_id = (await new_meeting(people))["id"]
    item_id = await new_item(people, meeting_id)
    version = await attach(people, item_id, make_pdf(2))
    published = await people["secretariat"].post(f"/api/meetings/{meeting_id}/publish",
                                                 json={})
    assert published.status_code == 200, published.text
    return meeting_id, version


async def test_a_download(people: People, db: Database) -> None:
    _, version = await _published_version(people)
    member = people["member"]
    await member.get(version["url"])  # the first reading inserts; count a later one
    with counting(db) as sent:
        answer = await member.get(version["url"])
    assert answer.status_code == 200 and len(answer.content) == version["size"]
    # The session with its seats; the version with its document, item and meeting; the
    # reading (one upsert) and the audit event (the head read and moved, the event).
    own = [s for s in sent.statements if "blob_chunk" not in s]
    assert len(own) == 6, own
    # On PostgreSQL the bytes themselves come from the database: one read, a small file.
    chunks = len(sent.statements) - len(own)
    assert chunks == (1 if on_postgres() else 0)
    assert (sent.transactions, sent.commits) == (3 + chunks, 1)


async def _page_statements(db: Database, client: Any, url: str) -> Sent:
    await client.get(url)  # once first: a first visit may touch the session
    with counting(db) as sent:
        answer = await client.get(url)
    assert answer.status_code == 200, answer.text
    return sent


async def test_pages(people: People, db: Database) -> None:
    meeting_id, _ = await _published_version(people)
    agenda = await _page_statements(db, people["member"], f"/meetings/{meeting_id}")
    live = await _page_statements(db, people["member"], f"/meetings/{meeting_id}/live")
    matrix = await _page_statements(db, people["secretariat"],
                                    f"/meetings/{meeting_id}/matrix")
    # Each: the session with its seats and the unread count (one query), then its reads.
    # The agenda: meeting, body, items, guests, documents, versions, readings.
    assert len(agenda.statements) == 8, agenda.statements
    # The live page draws itself from the live feed: the meeting only.
    assert len(live.statements) == 2, live.statements
    # The matrix: meeting, electorate, names, items, positions (read once).
    assert len(matrix.statements) == 6, matrix.statements
    # A GET writes nothing: no write transaction, no commit.
    for sent in (agenda, live, matrix):
        assert sent.commits == 0 and not any(
            s.startswith(("INSERT", "UPDATE", "DELETE")) for s in sent.statements)


async def test_a_read_only_unit_of_work_refuses_to_write(db: Database) -> None:
    """The pages answer GET from db.read_only(): a write slipped into one is a bug that
    must fail loudly, not be dropped in silence."""
    with pytest.raises(RuntimeError, match="tried to write"):
        async with db.read_only() as tx:
            await audit.record(tx.session, "test.event")
    with pytest.raises(RuntimeError, match="tried to write"):
        async with db.read_only() as tx:
            tx.session.add(Body(slug="x", name="X"))
    async with db.read() as session:
        assert (await session.exec(select(Body))).all() == []
