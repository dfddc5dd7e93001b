"""How many SQL statements the hot paths send: a regression test, not a timing.

A download and a page are counted from the request to the answer's last byte (BEGIN and
COMMIT apart, as transactions and commits); a change that adds a query to these paths
has to change the numbers here, on purpose. (The timings are in bench/, never in tests.)"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlalchemy import event
from sqlmodel import select
from starlette.applications import Starlette

from bench.live_seed import Member, seed
from ecabinet import audit
from ecabinet.db import Database
from ecabinet.models import Body
from ecabinet.settings import Settings

from .support.database import ORIGIN, on_postgres
from .support.packets import (
    People,
    attach,
    make_pdf,
    new_item,
    new_meeting,
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


@pytest.fixture(autouse=True)
async def listening(app: Starlette) -> AsyncIterator[None]:
    """As in a served process: the hub listens (on PostgreSQL, the process trusts the
    sign-ins it cached only while it hears the other processes' changes)."""
    await app.state.hub.start()
    yield
    await app.state.hub.stop()


async def _published_version(people: People) -> tuple[int, dict[str, Any]]:
    meeting_id = (await new_meeting(people))["id"]
    item_id = await new_item(people, meeting_id)
    version = await attach(people, item_id, make_pdf(2))
    published = await people["secretariat"].post(f"/api/meetings/{meeting_id}/publish", json={})
    assert published.status_code == 200, published.text
    return meeting_id, version


async def test_a_download(people: People, db: Database) -> None:
    _, version = await _published_version(people)
    member = people["member"]
    await member.get(version["url"])  # the first reading inserts; count a later one
    with counting(db) as sent:
        answer = await member.get(version["url"])
    assert answer.status_code == 200 and len(answer.content) == version["size"]
    # The session with its seats comes from this process's cache (the earlier download
    # read it); the version with its document, item and meeting; the reading (one upsert)
    # and the audit event (the head read and moved, the event).
    own = [s for s in sent.statements if "blob_chunk" not in s]
    assert len(own) == 5, own
    # On PostgreSQL the bytes themselves come from the database: one read, a small file.
    chunks = len(sent.statements) - len(own)
    assert chunks == (1 if on_postgres() else 0)
    assert (sent.transactions, sent.commits) == (2 + chunks, 1)


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
    matrix = await _page_statements(db, people["secretariat"], f"/meetings/{meeting_id}/matrix")
    # Each: the session with its seats and the unread count (one query), then its reads.
    # The agenda: the meeting with its body; the items with their documents, versions and
    # this reader's readings (one statement, outer joins); the guests.
    assert len(agenda.statements) == 4, agenda.statements
    # The live page draws itself from the live feed: the meeting only.
    assert len(live.statements) == 2, live.statements
    # The matrix: meeting, the electorate with names, items, and the submitted positions
    # with when each was first submitted.
    assert len(matrix.statements) == 5, matrix.statements
    # A GET writes nothing: no write transaction, no commit.
    for sent in (agenda, live, matrix):
        assert sent.commits == 0 and not any(
            s.startswith(("INSERT", "UPDATE", "DELETE")) for s in sent.statements
        )


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


async def test_a_ballot(client: httpx.AsyncClient, db: Database, settings: Settings) -> None:
    """A live vote's ballot: its passkey options, then the signed ballot."""
    seeded = await seed(
        settings.database_url, members=4, voters=4, items=1, origin=ORIGIN, rp_id=settings.rp_id
    )

    async def post(member: Member, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
        client.cookies.set("ecab_session", member.token)
        return await client.post(path, json=body or {})

    chair = seeded.members[0]
    assert (await post(chair, f"/api/meetings/{seeded.meeting_id}/session/open")).is_success
    taken = await post(
        chair, f"/api/meetings/{seeded.meeting_id}/session/next", {"item": seeded.items[0]}
    )
    opened = await post(
        chair, f"/api/items/{taken.json()['current_item']}/polls", {"question": "Thông qua?"}
    )
    poll = opened.json()
    counts = []
    for voter in seeded.voters[1:3]:  # the second is counted: the first warms the caches
        with counting(db) as options:
            issued = await post(
                voter,
                f"/api/polls/{poll['id']}/ballots/options",
                {"question": poll["question_id"], "choice": "for"},
            )
        assert voter.device is not None
        signed = {
            "payload": issued.json()["payload"],
            "credential": voter.device.assert_(issued.json()["publicKey"]),
        }
        with counting(db) as cast:
            answer = await post(voter, f"/api/polls/{poll['id']}/ballots", signed)
        assert answer.status_code == 201, answer.text
        counts.append((options, cast))
    options, cast = counts[-1]
    # Options: the session; the poll with the question (one SELECT), the voter's attendance
    # with their recusal on the item (one SELECT), the passkeys to allow; the challenge
    # stored. (An earlier ballot is read only where the body allows one vote.)
    assert len(options.statements) == 5, options.statements
    assert (options.transactions, options.commits) == (2, 1)
    # Cast: the session from this process's cache (the options read it a moment ago);
    # the challenge used (one UPDATE … RETURNING; a ballot sent again is looked for only
    # when it finds the challenge used); the poll with the question (on PostgreSQL with the
    # poll's row lock, shared among the vote's ballots); the attendance with the recusal;
    # the credential with its person and its quarantines (one SELECT), its sign count; the
    # ballot (an earlier one is read only when the insert finds the seat has one); the live
    # event's number and the tally; the audit event (head read and moved, the event). On
    # PostgreSQL one more: the NOTIFY that tells the other server processes.
    assert len(cast.statements) == 11 + on_postgres(), cast.statements
    assert (cast.transactions, cast.commits) == (1, 1)
