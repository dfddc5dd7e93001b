"""Conflicts of interest through the API: a member declares one on an item before the
session, with a reason; they leave that item's quorum (the body's default) and its
electorate, so the vote waits for another member and their ballot is refused; the
declaration cannot be withdrawn once the vote opened; audited; the minutes name them."""

from __future__ import annotations

import httpx

from ecabinet.actions.recusals import of_item
from ecabinet.db import Database
from ecabinet.minutes.collect import collect
from ecabinet.minutes.render import EvidenceSummary, render_minutes
from ecabinet.settings import Settings

from ..support.deliberation import pdf_text
from ..support.live import Tablet, audit_kinds, make_session, post, tablet


async def test_a_recused_member_leaves_the_items_quorum_electorate_and_is_in_the_minutes(
    client: httpx.AsyncClient, db: Database, settings: Settings, tablets: list[Tablet]
) -> None:
    live = await make_session(db, settings, extra_members=2)
    room = {}
    for role in ("chair", "member", "member-1", "member-2", "observer"):
        room[role] = await tablet(
            client._transport, str(client.base_url), settings, live.seats[role]
        )
        tablets.append(room[role])
    chair, meeting, item = room["chair"], live.meeting_id, live.items[1]
    url = f"/api/items/{item}/recusals"
    # Before the session, with a reason.
    empty = await room["member-1"].client.post(url, json={"reason": "  "})
    assert empty.status_code == 422
    reason = "Vợ tôi là thành viên hội đồng quản trị của doanh nghiệp được đề xuất."
    declared = await post(room["member-1"], url, {"reason": reason}, 201)
    assert declared["phase"] == "published"
    twice = await room["member-1"].client.post(url, json={"reason": reason})
    assert twice.status_code == 409
    assert (await room["observer"].client.post(url, json={"reason": "x"})).status_code == 403

    await post(chair, f"/api/meetings/{meeting}/session/open", {"confirm": True})
    for role in ("chair", "member", "member-1"):
        assert (await room[role].check_in(meeting)).status_code == 200
    await post(chair, f"/api/meetings/{meeting}/session/next")
    state = await room["member"].snapshot(meeting)
    # Four members, three needed: three checked in, but one does not count on this item.
    assert state["current_item"] == item
    assert state["quorum"] == {"members": 4, "present": 2, "needed": 3, "met": False}
    assert [(r["name"], r["reason"]) for r in state["recusals"]] == [("Bộ trưởng 1", reason)]
    refused = await chair.client.post(f"/api/items/{item}/polls", json={})
    assert refused.status_code == 409
    assert refused.json()["detail"].startswith("There is no quorum: 2 of 4 members")

    assert (await room["member-2"].check_in(meeting)).status_code == 200
    poll = await post(chair, f"/api/items/{item}/polls", {}, 201)
    # Out of the electorate: the ballot is refused, saying why, and audited.
    ballot = await room["member-1"].options(poll, "for")
    assert ballot.status_code == 403
    assert ballot.json()["detail"].startswith(
        "You declared a conflict of interest on this item, so you do not vote on it"
    )
    assert "refused.ballot" in await audit_kinds(db, "refused.")
    late = await room["member-1"].client.post(
        f"/api/recusals/{state['recusals'][0]['id']}/withdraw", json={}
    )
    assert late.status_code == 409
    for role in ("chair", "member", "member-2"):
        assert (await room[role].vote(poll, "for")).status_code == 201
    await post(chair, f"/api/polls/{poll['id']}/close")
    assert "recusal.declared" in await audit_kinds(db, "recusal.")

    async with db.read() as session:
        record = await collect(session, settings, meeting)
    voted = next(i for i in record.debated_items if i.id == item)
    assert [(seat.name, why) for seat, why in voted.recusals] == [("Bộ trưởng 1", reason)]
    text = pdf_text(render_minutes(record, EvidenceSummary("0" * 64, 0), locale="en").data)
    assert "Did not take part (conflict of interest): Bộ trưởng 1" in text


async def test_a_declaration_is_withdrawn_before_any_vote(
    client: httpx.AsyncClient, db: Database, settings: Settings, tablets: list[Tablet]
) -> None:
    live = await make_session(db, settings, extra_members=1)
    member = await tablet(client._transport, str(client.base_url), settings, live.seats["member-1"])
    other = await tablet(client._transport, str(client.base_url), settings, live.seats["member"])
    tablets.extend([member, other])
    item = live.items[2]
    await post(member, f"/api/items/{item}/recusals", {"reason": "Cổ đông."}, 201)
    async with db.read() as session:
        rows = await of_item(session, item)
    assert len(rows) == 1
    refused = await other.client.post(f"/api/recusals/{rows[0].id}/withdraw", json={})
    assert refused.status_code == 403
    await post(member, f"/api/recusals/{rows[0].id}/withdraw")
    async with db.read() as session:
        assert await of_item(session, item) == []
    assert await audit_kinds(db, "recusal.") == ["recusal.declared", "recusal.withdrawn"]
