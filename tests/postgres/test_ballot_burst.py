"""Many ballots on one vote at once, on PostgreSQL: the ballots do not wait for each other
(they share the poll's row lock, actions/ballots.py), so none holds a pooled connection
while it waits behind another; the chair's close, racing them, still counts every
acknowledged ballot, and every ballot it shuts out is told so."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx
import pytest
from sqlalchemy.engine import make_url
from sqlmodel import col, select

from ecabinet import audit
from ecabinet.db import Database
from ecabinet.events import EventKind
from ecabinet.models import AuditEvent, Ballot
from ecabinet.settings import Settings

from ..support.factories import authenticator
from ..support.live import Session, Tablet, make_session, tablet
from ..support.processes import Process, free_port, server_environment

MEMBERS = 30  # the chair, the member and 28 more
TWICE = 10  # members whose tablet and phone send a ballot each at the same moment


@pytest.fixture
def two(database_url: str, settings: Settings, tmp_path: Path) -> Iterator[list[Process]]:
    """Two server processes with a small pool each: 2 connections and 1 more at most."""
    environment = server_environment(
        database_url,
        tmp_path / "data",
        origin=settings.origin,
        session_secret=settings.session_secret,
        ECABINET_DB_POOL_SIZE="2",
        ECABINET_DB_MAX_OVERFLOW="1",
    )
    made = [Process(free_port(), environment, tmp_path / f"server-{n}.log") for n in (1, 2)]
    try:
        for process in made:
            process.spawn()
        for process in made:
            process.wait_ready()
        yield made
    finally:
        for process in made:
            process.stop()


async def _post(one: Tablet, url: str, body: dict[str, Any] | None = None) -> httpx.Response:
    return await one.client.post(url, json=body or {})


@pytest.fixture
async def voters() -> AsyncIterator[list[Tablet]]:
    made: list[Tablet] = []
    yield made
    for one in made:
        await one.client.aclose()


async def _phone(one: Tablet, server: Process, settings: Settings) -> Tablet:
    """The member's second device, with its own passkey, talking to another process."""
    phone = authenticator(settings)
    options = await _post(one, "/api/me/passkeys/options")
    assert options.status_code == 200, options.text
    added = await _post(
        one,
        "/api/me/passkeys",
        {"credential": phone.register(options.json()), "deviceName": "Điện thoại"},
    )
    assert added.status_code == 201, added.text
    client = httpx.AsyncClient(base_url=server.url, cookies=one.client.cookies, timeout=60)
    return Tablet(client, phone, one.seat)


async def _open_vote(
    db: Database,
    settings: Settings,
    servers: list[Process],
    voters: list[Tablet],
    extra_members: int,
) -> tuple[Session, dict[str, Any]]:
    """A session whose members are all checked in, with a vote open on its first item."""
    live = await make_session(db, settings, consent=0, items=1, extra_members=extra_members)
    for n, seat in enumerate(live.voters):
        server = servers[n % len(servers)]
        voters.append(await tablet(httpx.AsyncHTTPTransport(), server.url, settings, seat))
    for one in voters:
        one.client.timeout = httpx.Timeout(60)  # a busy 2-core machine, not a lock
    chair, meeting = voters[0], live.meeting_id
    opened = await _post(chair, f"/api/meetings/{meeting}/session/open", {"confirm": True})
    assert opened.status_code == 200, opened.text
    for one in voters:
        await _check_in(one, meeting)
    taken = await _post(chair, f"/api/meetings/{meeting}/session/next", {"item": live.items[0]})
    assert taken.status_code == 200, taken.text
    started = await _post(chair, f"/api/items/{live.items[0]}/polls")
    assert started.status_code == 201, started.text
    return live, started.json()


# Every assertion here reports a use counter of 0, as synced passkeys do: two ballots of
# one passkey sent at once may then commit in either order without looking like a copy.


async def _check_in(one: Tablet, meeting: int) -> None:
    options = await _post(one, f"/api/meetings/{meeting}/checkin/options", {"mode": "room"})
    assert options.status_code == 200, options.text
    credential = one.device.assert_(options.json()["publicKey"], sign_count=0)
    checked_in = await _post(one, f"/api/meetings/{meeting}/checkin", {"credential": credential})
    assert checked_in.status_code == 200, checked_in.text


async def _signed(one: Tablet, poll: dict[str, Any], choice: str) -> dict[str, Any]:
    issued = await one.options(poll, choice)
    assert issued.status_code == 200, issued.text
    body = issued.json()
    return {
        "payload": body["payload"],
        "credential": one.device.assert_(body["publicKey"], sign_count=0),
    }


async def _close_event(db: Database, meeting: int) -> AuditEvent:
    async with db.read() as session:
        return (
            await session.exec(
                select(AuditEvent).where(
                    AuditEvent.kind == EventKind.VOTE_CLOSED.value,
                    AuditEvent.subject == f"meeting:{meeting}",
                )
            )
        ).one()


@pytest.fixture
async def raw(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    url = make_url(database_url)
    connection = await asyncpg.connect(
        host=url.host, port=url.port, user=url.username, database=url.database
    )
    yield connection
    await connection.close()


async def test_a_ballot_in_flight_does_not_hold_up_another(
    two: list[Process],
    db: Database,
    settings: Settings,
    raw: asyncpg.Connection,
    voters: list[Tablet],
) -> None:
    """Another transaction holds the poll's row as a ballot in flight holds it, until its
    commit: a second ballot is recorded meanwhile (with a ballot holding the row
    exclusively it would wait for the first to commit), and the chair's close waits for
    the first and counts the second."""
    live, poll = await _open_vote(db, settings, two, voters, extra_members=0)
    chair, member = voters[0], voters[1]
    signed = await _signed(member, poll, "for")
    transaction = raw.transaction()
    await transaction.start()
    try:
        await raw.execute("SELECT id FROM poll WHERE id = $1 FOR SHARE", poll["id"])
        cast = await member.client.post(f"/api/polls/{poll['id']}/ballots", json=signed)
        assert cast.status_code == 201, cast.text
        closing = asyncio.ensure_future(_post(chair, f"/api/polls/{poll['id']}/close"))
        await asyncio.sleep(1)
        assert not closing.done(), "the close did not wait for the ballot in flight"
    finally:
        await transaction.rollback()
    closed = await closing
    assert closed.status_code == 200, closed.text
    close = await _close_event(db, live.meeting_id)
    assert close.data["receipts"] == [cast.json()["receipt"]]


async def test_a_burst_of_ballots_racing_the_close(
    two: list[Process], db: Database, settings: Settings, voters: list[Tablet]
) -> None:
    """Thirty members vote at once through two processes with three connections each, ten
    of them from two tablets at the same moment, while others read the session and the
    chair closes the vote in the middle of it. No answer is a 5xx; every acknowledged
    ballot is counted by the close unless the same member's later ballot replaced it;
    every ballot shut out is told the vote is not open and left no trace but the refusal."""
    live, poll = await _open_vote(db, settings, two, voters, extra_members=MEMBERS - 2)
    chair, meeting = voters[0], live.meeting_id
    members = list(voters)
    assert len(members) == MEMBERS
    sending: list[tuple[Tablet, dict[str, Any]]] = []
    for n, one in enumerate(members):
        sending.append((one, await _signed(one, poll, "for")))
        if n < TWICE:
            phone = await _phone(one, two[(n + 1) % len(two)], settings)
            voters.append(phone)  # closed with the others
            sending.append((phone, await _signed(phone, poll, "against")))

    async def close_soon() -> httpx.Response:
        await asyncio.sleep(0.3)
        return await _post(chair, f"/api/polls/{poll['id']}/close")

    *answers, closed = await asyncio.gather(
        *(one.client.post(f"/api/polls/{poll['id']}/ballots", json=body) for one, body in sending),
        *(one.client.get(f"/api/meetings/{meeting}/session") for one in members[::3]),
        close_soon(),
    )
    assert closed.status_code == 200, closed.text
    failed = [
        f"{a.request.url.path}: {a.status_code} {a.text[:200]}"
        for a in answers
        if a.status_code >= 500
    ]
    assert failed == []
    casts = answers[: len(sending)]
    assert all(a.status_code in (201, 409) for a in casts), [
        a.text for a in casts if a.status_code not in (201, 409)
    ][:3]
    for refused in (a.json() for a in casts if a.status_code == 409):
        assert refused["type"] == "urn:ecabinet:problem:poll-not-open", refused
        assert "the ballot was not recorded" in refused["detail"], refused
    acknowledged = {a.json()["receipt"] for a in casts if a.status_code == 201}
    async with db.read() as session:
        rows = list((await session.exec(select(Ballot).where(Ballot.poll_id == poll["id"]))).all())
        refusals = (
            await session.exec(
                select(col(AuditEvent.id)).where(
                    AuditEvent.kind == "refused.poll-not-open",
                    AuditEvent.subject == f"poll:{poll['id']}",
                )
            )
        ).all()
        assert (await audit.verify_chain(session)).ok
    # What was recorded is exactly what was acknowledged; one current ballot per seat.
    assert {r.receipt for r in rows} == acknowledged
    current = [r for r in rows if r.superseded_by_id is None]
    assert len({r.membership_id for r in current}) == len(current)
    assert {r.membership_id for r in rows} == {r.membership_id for r in current}
    assert all(r.superseded_by_id in {c.id for c in rows} for r in rows if r not in current)
    # The close counted every current ballot, and nothing else.
    close = await _close_event(db, meeting)
    assert close.data["receipts"] == sorted(r.receipt for r in current)
    assert len(refusals) == len(casts) - len(acknowledged)
