"""Triage: contested items against the consent block, the body's setting for missing
positions, the secretariat's override with a reason, a member's pull, the deadline."""

from __future__ import annotations

import httpx
from sqlmodel import select

from ecabinet.db import Database
from ecabinet.models import AgendaItem, Body, Meeting
from ecabinet.settings import Settings
from ecabinet.sweeper import sweep_once

from .support.deliberation import (
    Member,
    add_members,
    events,
    execute,
    last_event,
    make_meeting,
    pass_deadline,
    signed_in,
)
from .support.factories import seat_people


async def give(member: Member, item: int, stance: str, text: str = "") -> None:
    answer = await member.client.put(
        f"/api/items/{item}/positions/me", json={"stance": stance, "text": text or "Ý kiến."}
    )
    assert answer.status_code == 200, answer.text


async def three_positions(members: list[Member], items: list[int]) -> None:
    """Three members: all agree on items 1 and 3; one disagrees on item 2."""
    first, second, third = members[:3]
    for member in (first, second, third):
        await give(member, items[0], "agree")
    await give(first, items[1], "agree_with_comments", "Sửa câu chữ Điều 2.")
    await give(second, items[1], "disagree", "Trái với Luật Ngân sách.")
    await give(third, items[1], "agree")
    await give(first, items[2], "agree_with_comments", "Bổ sung phụ lục.")


async def test_triage_puts_contested_items_after_the_consent_block(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    body_id = seats["member"].body_id
    extra = await add_members(db, settings, body_id, 2)
    meeting, items = await make_meeting(db, body_id)
    async with signed_in(
        client, settings, [seats["member"], *extra, seats["secretariat"], seats["chair"]]
    ) as people:
        await three_positions(people, items)
        office = people[3]
        response = await office.client.post(f"/api/meetings/{meeting}/triage", json={})
        assert response.status_code == 200, response.text
        result = response.json()
        assert [i["id"] for i in result["consent"]] == [items[0], items[2]]
        assert [i["id"] for i in result["contested"]] == [items[1]]
        assert result["agenda"] == [items[0], items[2], items[1]]
        assert result["contested"][0]["counts"]["disagree"] == 1
        event = await last_event(db)
        assert event.kind == "meeting.triaged" and event.data["contested"] == [items[1]]
        # A member may not run the triage.
        assert (
            await people[0].client.post(f"/api/meetings/{meeting}/triage", json={})
        ).status_code == 403


async def test_missing_positions_contest_an_item_when_the_body_says_so(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    body_id = seats["member"].body_id
    meeting, items = await make_meeting(db, body_id, items=1)
    async with signed_in(client, settings, [seats["member"], seats["secretariat"]]) as people:
        member, office = people
        await give(member, items[0], "agree")  # the chair has not answered
        result = (await office.client.post(f"/api/meetings/{meeting}/triage", json={})).json()
        assert [i["id"] for i in result["consent"]] == items
        await execute(db, "UPDATE body SET missing_position_contested = :v", v=True)
        result = (await office.client.post(f"/api/meetings/{meeting}/triage", json={})).json()
        assert [i["id"] for i in result["contested"]] == items
        assert result["contested"][0]["counts"]["missing"] == 1


async def test_the_secretariat_moves_an_item_with_a_reason_on_the_record(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    body_id = seats["member"].body_id
    extra = await add_members(db, settings, body_id, 2)
    meeting, items = await make_meeting(db, body_id)
    async with signed_in(
        client, settings, [seats["member"], *extra, seats["secretariat"], seats["chair"]]
    ) as people:
        await three_positions(people, items)
        office, chair = people[3], people[4]
        await office.client.post(f"/api/meetings/{meeting}/triage", json={})
        no_reason = await office.client.post(
            f"/api/items/{items[2]}/move", json={"to": "contested", "reason": " "}
        )
        assert no_reason.status_code == 422
        assert (
            await chair.client.post(
                f"/api/items/{items[2]}/move", json={"to": "contested", "reason": "x"}
            )
        ).status_code == 403
        moved = await office.client.post(
            f"/api/items/{items[2]}/move",
            json={"to": "contested", "reason": "Bộ Tư pháp đề nghị thảo luận tại phiên họp."},
        )
        assert moved.status_code == 200 and moved.json()["status"] == "contested"
        event = await last_event(db)
        assert event.kind == "agenda.item_moved"
        assert event.data == {
            "meeting": meeting,
            "before": "consent",
            "after": "contested",
            "reason": "Bộ Tư pháp đề nghị thảo luận tại phiên họp.",
        }
        assert event.actor_id == seats["secretariat"].person_id
        # Running the triage again keeps the decision a person made.
        again = (await office.client.post(f"/api/meetings/{meeting}/triage", json={})).json()
        assert [i["id"] for i in again["contested"]] == [items[1], items[2]]
        assert again["contested"][1]["reason"].startswith("Bộ Tư pháp")


async def test_any_member_pulls_an_item_out_of_the_consent_block_until_it_is_adopted(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    body_id = seats["member"].body_id
    extra = await add_members(db, settings, body_id, 2)
    meeting, items = await make_meeting(db, body_id)
    async with signed_in(
        client, settings, [seats["member"], *extra, seats["secretariat"], seats["observer"]]
    ) as people:
        await three_positions(people, items)
        office, observer = people[3], people[4]
        await office.client.post(f"/api/meetings/{meeting}/triage", json={})
        contested = await people[2].client.post(f"/api/items/{items[1]}/pull", json={})
        assert contested.status_code == 409
        assert (
            await observer.client.post(f"/api/items/{items[0]}/pull", json={})
        ).status_code == 403
        pulled = await people[2].client.post(f"/api/items/{items[0]}/pull", json={})
        assert pulled.status_code == 200 and pulled.json()["status"] == "contested"
        event = await last_event(db)
        assert event.kind == "agenda.item_pulled" and event.subject == f"item:{items[0]}"
        assert event.actor_id == people[2].seat.person_id
        await execute(db, "UPDATE meeting SET consent_adopted_at = CURRENT_TIMESTAMP")
        late = await people[0].client.post(f"/api/items/{items[2]}/pull", json={})
        assert late.status_code == 409


async def test_the_triage_runs_by_itself_at_the_deadline(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    body_id = seats["member"].body_id
    extra = await add_members(db, settings, body_id, 2)
    meeting, items = await make_meeting(db, body_id)
    async with signed_in(client, settings, [seats["member"], *extra]) as people:
        await three_positions(people, items)
        await pass_deadline(db, meeting)
        # The first look at the agenda after the deadline triages it, once.
        view = (await people[0].client.get(f"/api/meetings/{meeting}/triage")).json()
        assert view["agenda"] == [items[0], items[2], items[1]]
        await people[0].client.get(f"/api/meetings/{meeting}/triage")
    triaged = await events(db, "meeting.triaged")
    assert len(triaged) == 1 and triaged[0].data["automatic"] is True


async def test_the_sweeper_triages_meetings_whose_deadline_passed(
    db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    meeting, _items = await make_meeting(db, seats["member"].body_id, items=2)
    await pass_deadline(db, meeting)
    first = await sweep_once(db, settings)
    second = await sweep_once(db, settings)
    assert (first.triaged, second.triaged) == (1, 0)
    async with db.read() as session:
        statuses = (
            await session.exec(select(AgendaItem.status).where(AgendaItem.meeting_id == meeting))
        ).all()
        assert (await session.get(Meeting, meeting)).triaged_at is not None  # type: ignore[union-attr]
        body = (await session.exec(select(Body))).one()
    # Nobody answered, and missing positions do not contest by default.
    assert list(statuses) == ["consent", "consent"] and not body.missing_position_contested
