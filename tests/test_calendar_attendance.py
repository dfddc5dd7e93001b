"""Before the day: a private calendar feed that a calendar application reads (and that
answers 404 once revoked), and the members' answers that tell the secretariat whether the
quorum is assured."""

from __future__ import annotations

import re

import httpx
from icalendar import Calendar
from sqlmodel import select

from ecabinet.db import Database
from ecabinet.models import Body, Membership
from ecabinet.settings import Settings

from .support.deliberation import add_members, make_meeting, signed_in
from .support.factories import csrf_header, seat_people


async def test_the_calendar_feed_lists_meetings_and_deadlines_until_revoked(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    meeting, _items = await make_meeting(db, seats["member"].body_id, items=1)
    async with signed_in(client, settings, [seats["member"]]) as (member,):
        headers = await csrf_header(member.client)
        made = await member.client.post("/me/calendar", headers=headers)
        assert made.status_code == 200
        url = re.search(r'value="(http://[^"]+\.ics)"', made.text)
        assert url is not None
        path = url.group(1).removeprefix(settings.origin)
        stranger = httpx.AsyncClient(transport=client._transport, base_url=settings.origin)
        feed = await stranger.get(path)  # a calendar application, with no session
        assert feed.status_code == 200
        assert feed.headers["content-type"].startswith("text/calendar")
        calendar = Calendar.from_ical(feed.content)
        events = {str(e["uid"]): e for e in calendar.walk("VEVENT")}
        host = "localhost:8000"
        assert set(events) == {f"meeting-{meeting}@{host}", f"positions-{meeting}@{host}"}
        session = events[f"meeting-{meeting}@{host}"]
        assert str(session["summary"]) == "Phiên họp Chính phủ thường kỳ tháng 6"
        assert str(session["url"]).endswith(f"/meetings/{meeting}")
        assert events[f"positions-{meeting}@{host}"].decoded("dtstart") < session.decoded("dtstart")
        assert "Hạn gửi ý kiến" in str(events[f"positions-{meeting}@{host}"]["summary"])
        revoked = await member.client.post("/me/calendar/revoke", headers=headers)
        assert revoked.status_code == 303
        assert (await stranger.get(path)).status_code == 404
        assert (await stranger.get("/calendar/guessed-secret.ics")).status_code == 404
        await stranger.aclose()


async def test_answers_before_the_day_warn_when_the_quorum_is_at_risk(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    body_id = seats["member"].body_id
    await add_members(db, settings, body_id, 2)  # chair, member and two ministers: 4 seats
    meeting, _items = await make_meeting(db, body_id, items=1)
    async with db.transaction() as tx:
        member = (
            await tx.session.exec(
                select(Membership).where(Membership.person_id == seats["member"].person_id)
            )
        ).one()
        deputy = (
            await tx.session.exec(
                select(Membership).where(Membership.person_id == seats["observer"].person_id)
            )
        ).one()
        deputy.stand_in_for_id = member.id
        tx.session.add(deputy)
    async with signed_in(
        client, settings, [seats["chair"], seats["member"], seats["secretariat"]]
    ) as people:
        chair, minister, office = people
        client.cookies.set("ecab_lang", "en")
        office.client.cookies.set("ecab_lang", "en")
        url = f"/api/meetings/{meeting}/attendance-plans"
        assert (await chair.client.put(url + "/me", json={"answer": "attend"})).status_code == 200
        wrong = await minister.client.put(
            url + "/me", json={"answer": "remote", "standIn": deputy.id}
        )
        assert wrong.status_code == 422
        sent = await minister.client.put(
            url + "/me",
            json={"answer": "apologies", "standIn": deputy.id, "note": "Công tác nước ngoài"},
        )
        assert sent.json() == {
            "seat": member.id,
            "answer": "apologies",
            "standIn": deputy.id,
            "standInItems": [],
        }
        assert (await minister.client.get(url)).status_code == 403
        expected = (await office.client.get(url)).json()
        # Four seats, a quorum of two thirds needs 3; only the chair is coming (a stand-in
        # has no vote in this body, so does not count).
        assert (
            expected["members"],
            expected["coming"],
            expected["needed"],
            expected["unanswered"],
            expected["atRisk"],
        ) == (4, 1, 3, 2, True)
        page = (await office.client.get(f"/workspace/meetings/{meeting}")).text
        assert "The quorum is at risk" in page
        assert "stand-in: Người observer" in page
        async with db.transaction() as tx:
            body = await tx.session.get(Body, body_id)
            assert body is not None
            body.stand_in_may_vote = True
            tx.session.add(body)
        assert (await office.client.get(url)).json()["coming"] == 2
