"""Annulling a live vote: the chair annuls an open or just-closed vote with a reason, its
ballots stay stored but no longer count, a ballot sent afterwards is refused with the
reason, and a re-run asks the same question again."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from ecabinet.db import Database
from ecabinet.models import Poll, utcnow
from ecabinet.settings import Settings
from ecabinet.vocab import PollState

from ..support.live import Session, Tablet, audit_kinds, make_session, tablet


@pytest.fixture
async def tablets() -> AsyncIterator[list[Tablet]]:
    made: list[Tablet] = []
    yield made
    for one in made:
        await one.client.aclose()


async def _post(one: Tablet, url: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    response = await one.client.post(url, json=body or {})
    assert response.status_code in (200, 201), response.text
    result: dict[str, Any] = response.json()
    return result


async def _voting(
    client: httpx.AsyncClient, db: Database, settings: Settings, made: list[Tablet]
) -> tuple[Session, Tablet, Tablet, dict[str, Any]]:
    """A session on its first item for debate, with the chair and a member checked in and a
    vote open on it."""
    live = await make_session(db, settings, extra_members=1)
    chair, member = [
        await tablet(client._transport, str(client.base_url), settings, live.seats[role])
        for role in ("chair", "member")
    ]
    made += [chair, member]
    await _post(chair, f"/api/meetings/{live.meeting_id}/session/open", {"confirm": True})
    for one in (chair, member):
        assert (await one.check_in(live.meeting_id)).status_code == 200
    await _post(chair, f"/api/meetings/{live.meeting_id}/consent-block/adopt")
    await _post(chair, f"/api/meetings/{live.meeting_id}/session/next")
    poll = await _post(chair, f"/api/items/{live.items[1]}/polls", {"question": "Thông qua?"})
    return live, chair, member, poll


async def test_a_ballot_on_an_annulled_vote_is_refused_with_the_reason(
    client: httpx.AsyncClient, db: Database, settings: Settings, tablets: list[Tablet]
) -> None:
    _, chair, member, poll = await _voting(client, db, settings, tablets)
    _, signed = await member.ballot(poll, "for")  # signed while the vote was open
    async with db.transaction() as tx:
        row = await tx.session.get(Poll, poll["id"])
        assert row is not None
        row.state, row.annulled_at = PollState.ANNULLED.value, utcnow()
        row.annul_reason = "Hệ thống đếm phiếu bị lỗi"
        tx.session.add(row)

    late = await member.client.post(f"/api/polls/{poll['id']}/ballots", json=signed)
    assert late.status_code == 409
    assert late.json()["type"] == "urn:ecabinet:problem:poll-annulled"
    assert late.json()["detail"] == (
        "This vote was annulled by the chair: Hệ thống đếm phiếu bị lỗi"
    )
    asked = await chair.options(poll, "for")
    assert asked.status_code == 409
    assert asked.json()["detail"].startswith("This vote was annulled by the chair")
    assert (await audit_kinds(db, "refused."))[-1] == "refused.poll-annulled"
