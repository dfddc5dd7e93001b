"""How many SQL statements the hot paths send: a regression test, not a timing.

A download and a page are counted from the request to the answer's last byte, BEGIN and
COMMIT included; a change that adds a query to these paths has to change the numbers
here, on purpose. (The timings are in bench/, never in tests.)"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event

from ecabinet.db import Database

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
    assert len(sent.statements) == 6, sent.statements
    assert (sent.transactions, sent.commits) == (3, 1)
