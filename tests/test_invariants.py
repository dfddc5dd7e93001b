"""Invariants the database keeps by itself, whatever the code above it does: one current
ballot per seat and question, even when two casts race (run on SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio

import httpx
from sqlmodel import col, select

from ecabinet import audit
from ecabinet.db import Database
from ecabinet.models import Ballot, PollQuestion
from ecabinet.settings import Settings

from .support.factories import authenticator, enroll, seat_people
from .support.polls import open_poll


async def test_two_casts_at_once_leave_one_current_ballot(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    device = authenticator(settings)
    await enroll(client, seats["member"].token, device)
    poll, question = await open_poll(db, seats["member"].body_id)
    # Both assertions report a sign count of 0, as synced passkeys do: with counting
    # assertions the later one could commit first and the earlier be refused as a replay,
    # and this test is about the current ballot, not about counters.
    signed = []
    for choice in ("for", "against"):
        issued = (
            await client.post(
                f"/api/polls/{poll}/ballots/options", json={"question": question, "choice": choice}
            )
        ).json()
        signed.append(
            {
                "payload": issued["payload"],
                "credential": device.assert_(issued["publicKey"], sign_count=0),
            }
        )
    casts = await asyncio.gather(
        *(client.post(f"/api/polls/{poll}/ballots", json=body) for body in signed)
    )
    assert [c.status_code for c in casts] == [201, 201], [c.text for c in casts]
    async with db.read() as session:
        rows = list((await session.exec(select(Ballot).order_by(col(Ballot.id)))).all())
        assert (await audit.verify_chain(session)).ok
    current = [r for r in rows if r.superseded_by_id is None]
    assert len(rows) == 2 and len(current) == 1
    assert [r.superseded_by_id for r in rows if r is not current[0]] == [current[0].id]


async def test_the_database_refuses_a_second_current_ballot(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    """Even written around the row lock of actions/ballots.py: two transactions that each
    insert a current ballot for the same seat and question, at once."""
    seats = await seat_people(db, settings)
    device = authenticator(settings)
    await enroll(client, seats["member"].token, device)
    poll, question = await open_poll(db, seats["member"].body_id)
    signed = (
        await client.post(
            f"/api/polls/{poll}/ballots/options", json={"question": question, "choice": "for"}
        )
    ).json()
    cast = await client.post(
        f"/api/polls/{poll}/ballots",
        json={"payload": signed["payload"], "credential": device.assert_(signed["publicKey"])},
    )
    assert cast.status_code == 201
    async with db.transaction() as tx:
        first = (await tx.session.exec(select(Ballot))).one()
        other = PollQuestion(poll_id=poll, ordinal=2, text="Giao Bộ Tư pháp chủ trì?")
        tx.session.add(other)
        await tx.session.flush()
        assert other.id is not None
        other_id = other.id

    async def insert_a_current_ballot(receipt: str) -> None:
        async with db.transaction() as tx:
            copy = Ballot.model_validate(first.model_dump(exclude={"id"}))
            copy.question_id, copy.receipt = other_id, receipt
            tx.session.add(copy)
            await tx.session.flush()
            await asyncio.sleep(0)  # let the other transaction reach its insert too

    outcomes = await asyncio.gather(
        insert_a_current_ballot("a" * 64), insert_a_current_ballot("b" * 64), return_exceptions=True
    )
    assert sorted(type(o).__name__ for o in outcomes) == ["IntegrityError", "NoneType"]
    async with db.read() as session:
        assert (
            len((await session.exec(select(Ballot).where(Ballot.question_id == other_id))).all())
            == 1
        )


async def test_a_member_may_change_their_vote_twice(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    device = authenticator(settings)
    await enroll(client, seats["member"].token, device)
    poll, question = await open_poll(db, seats["member"].body_id)
    for choice in ("for", "against", "abstain"):
        issued = (
            await client.post(
                f"/api/polls/{poll}/ballots/options", json={"question": question, "choice": choice}
            )
        ).json()
        cast = await client.post(
            f"/api/polls/{poll}/ballots",
            json={"payload": issued["payload"], "credential": device.assert_(issued["publicKey"])},
        )
        assert cast.status_code == 201, cast.text
    async with db.read() as session:
        rows = list((await session.exec(select(Ballot).order_by(col(Ballot.id)))).all())
    assert [r.superseded_by_id is None for r in rows] == [False, False, True]
