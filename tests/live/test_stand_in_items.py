"""A stand-in's mandate limited to named items: the member sends apologies naming the
deputy and the items; on those the deputy votes (where the body allows stand-ins to vote)
and counts for the member's seat; on any other item the deputy's ballot is refused,
saying so, and the member's seat is absent from the item's quorum; the minutes say so."""

from __future__ import annotations

import httpx

from ecabinet.db import Database
from ecabinet.minutes.collect import collect
from ecabinet.minutes.render import EvidenceSummary, render_minutes
from ecabinet.settings import Settings

from ..support.deliberation import pdf_text
from ..support.live import (
    OPEN_ANYWAY,
    Tablet,
    add_deputy,
    audit_kinds,
    make_session,
    post,
    seat_id,
    seat_tablet,
)


async def test_a_stand_in_votes_only_on_the_items_the_mandate_names(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    tablets: list[Tablet],
) -> None:
    live = await make_session(
        db, settings, stand_in_may_vote=True, quorum_numerator=1, quorum_denominator=2
    )
    deputy_seat = await add_deputy(db, settings, live, live.seats["member"])
    chair = await seat_tablet(client, settings, live, "chair", tablets)
    member = await seat_tablet(client, settings, live, "member", tablets)
    deputy = await seat_tablet(client, settings, live, "deputy", tablets)
    meeting, covered, other = live.meeting_id, live.items[1], live.items[2]
    plan = f"/api/meetings/{meeting}/attendance-plans/me"
    deputy_id = await seat_id(db, deputy_seat)

    # Items are named only with a stand-in, and only this meeting's.
    alone = await member.client.put(plan, json={"answer": "apologies", "standInItems": [covered]})
    assert alone.status_code == 422
    assert alone.json()["detail"] == "Agenda items are named only for a stand-in's mandate."
    foreign = await member.client.put(
        plan, json={"answer": "apologies", "standIn": deputy_id, "standInItems": [9999]}
    )
    assert foreign.status_code == 422 and "not 9999" in foreign.json()["detail"]
    # The member's page names the items with a box each.
    page = await member.client.get(f"/meetings/{meeting}/attendance")
    assert f'name="standInItems" value="{covered}"' in page.text
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    sent = await member.client.post(
        f"/meetings/{meeting}/attendance",
        data={
            "csrf_token": token,
            "answer": "apologies",
            "standIn": str(deputy_id),
            "standInItems": [str(covered)],
        },
    )
    assert sent.status_code == 303, sent.text
    page = await member.client.get(f"/meetings/{meeting}/attendance")
    assert f'name="standInItems" value="{covered}" checked' in page.text
    assert f'name="standInItems" value="{other}" checked' not in page.text

    await post(chair, f"/api/meetings/{meeting}/session/open", OPEN_ANYWAY)
    assert (await chair.check_in(meeting)).status_code == 200
    assert (await deputy.check_in(meeting)).status_code == 200

    # The covered item: the deputy counts for the member and votes.
    state = await post(chair, f"/api/meetings/{meeting}/session/next", {"item": covered})
    assert state["quorum"]["present"] == 2
    poll = await post(chair, f"/api/items/{covered}/polls")
    assert (await deputy.vote(poll, "for")).status_code == 201
    await post(chair, f"/api/polls/{poll['id']}/close")

    # Another item: the member's seat is absent, and the deputy's ballot is refused.
    state = await post(chair, f"/api/meetings/{meeting}/session/next", {"item": other})
    assert state["quorum"]["present"] == 1
    line = next(a for a in state["attendance"] if a["stand_in"] == "Thứ trưởng")
    assert line["present"] is False
    poll = await post(chair, f"/api/items/{other}/polls")
    refused = await deputy.options(poll, "for")
    assert refused.status_code == 403
    assert refused.json()["detail"] == (
        "Your mandate as a stand-in does not cover this item, so you do not vote on it; "
        "the member's seat is counted absent on it."
    )
    assert "refused.ballot" in await audit_kinds(db, "refused.")
    await post(chair, f"/api/polls/{poll['id']}/close")

    async with db.read() as session:
        record = await collect(session, settings, meeting)
    text = " ".join(
        pdf_text(render_minutes(record, EvidenceSummary("0" * 64, 0), locale="en").data).split()
    )
    assert "in place of Người member, only for items 2; on the other items" in text
