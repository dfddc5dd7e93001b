"""A secret poll: while it is open nobody sees how the answers divide (a running count per
choice, watched as each member answers, tells who chose what); each member sees their own
choice and receipt, which they can find in the signed minutes' evidence later."""

from __future__ import annotations

import httpx
from sqlmodel import select

from ecabinet.db import Database
from ecabinet.models import Body
from ecabinet.settings import Settings

from .support.deliberation import signed_in
from .support.factories import seat_people
from .support.polls import draft, vote


async def test_an_open_secret_poll_shows_how_many_answered_and_not_how(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    body_id = seats["member"].body_id
    async with db.transaction() as tx:
        body = (await tx.session.exec(select(Body).where(Body.id == body_id))).one()
        body.secret_ballot_allowed = True
        tx.session.add(body)
    async with signed_in(
        client, settings, [seats["secretariat"], seats["chair"], seats["member"]]
    ) as people:
        office, chair, member = people
        poll = await draft(office, body_id, secret=True)
        sent = await chair.client.post(f"/api/polls/{poll['id']}/send", json={})
        assert sent.json()["state"] == "open"
        question = poll["questions"][0]["id"]
        assert (await vote(member, poll["id"], question, "against")).status_code == 201
        for someone in (office, chair, member):
            shown = (await someone.client.get(f"/api/polls/{poll['id']}")).json()
            counts = shown["questions"][0]["counts"]
            assert counts["answered"] == 1
            assert counts["for"] is None and counts["against"] is None
            assert counts["abstain"] is None
        mine = (await member.client.get(f"/api/polls/{poll['id']}")).json()
        own = mine["questions"][0]["myBallot"]
        assert own["choice"] == "against" and len(own["receipt"]) == 64
        page = await chair.client.get(f"/polls/{poll['id']}")
        assert page.status_code == 200
        assert "count-chip choice-against" not in page.text and "count-chip" in page.text
