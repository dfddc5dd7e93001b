"""The pages of positions, matrix, triage, written polls and comments: they render for
the right people, their forms work (refusals come back on the page), and they carry no
inline script or style (the CSP forbids them)."""

from __future__ import annotations

import csv
import io
import re

import httpx
from sqlmodel import select

from ecabinet.db import Database
from ecabinet.models import AgendaItem, Membership, Poll
from ecabinet.settings import Settings

from .support.deliberation import (
    add_members,
    last_event,
    make_draft,
    make_meeting,
    pass_deadline,
    signed_in,
)
from .support.factories import seat_people


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def assert_csp_clean(html: str) -> None:
    assert " style=" not in html and "<style" not in html
    # A JSON data block is never executed: the CSP has nothing to say about it.
    assert not re.search(r'<script(?![^>]*\b(src=|type="application/json"))', html), "inline script"
    assert " onclick=" not in html


async def test_a_member_gives_positions_on_the_tablet_page(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    meeting, items = await make_meeting(db, seats["member"].body_id, items=2)
    async with signed_in(client, settings, [seats["member"]]) as (member,):
        member.client.cookies.set("ecab_lang", "en")
        page = await member.client.get(f"/meetings/{meeting}/positions")
        assert page.status_code == 200
        assert_csp_clean(page.text)
        assert "Wish to discuss" in page.text and "2 of 2 items still need" in page.text
        token = csrf_of(page.text)
        missing_text = await member.client.post(
            f"/meetings/{meeting}/positions/{items[0]}",
            data={"csrf_token": token, "stance": "disagree", "text": ""},
        )
        assert missing_text.status_code == 422
        assert "Say why in a few words" in missing_text.text
        assert 'value="disagree" checked' in missing_text.text  # what was chosen stays
        saved = await member.client.post(
            f"/meetings/{meeting}/positions/{items[0]}",
            data={"csrf_token": token, "stance": "disagree", "text": "Trái Hiến pháp."},
        )
        assert saved.status_code == 303
        assert saved.headers["location"] == f"/meetings/{meeting}/positions#item-{items[0]}"
        page = await member.client.get(f"/meetings/{meeting}/positions")
        assert "Trái Hiến pháp." in page.text and "1 of 2 items still need" in page.text
        await pass_deadline(db, meeting)
        late = await member.client.post(
            f"/meetings/{meeting}/positions/{items[1]}",
            data={"csrf_token": token, "stance": "agree", "text": ""},
        )
        assert late.status_code == 409
        assert "deadline for written positions passed" in late.text
        assert (await last_event(db)).kind == "refused.positions-closed"
        frozen = await member.client.get(f"/meetings/{meeting}/positions")
        assert "now frozen" in frozen.text and 'name="stance"' not in frozen.text


async def test_a_matrix_cell_shows_the_stance_and_the_text_escaped(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    body_id = seats["member"].body_id
    meeting, items = await make_meeting(db, body_id, items=2)
    async with signed_in(client, settings, [seats["member"], seats["secretariat"]]) as people:
        member, office = people
        await member.client.put(
            f"/api/items/{items[0]}/positions/me",
            json={"stance": "disagree", "text": '<b>Trái luật</b> & "sai"'},
        )
        office.client.cookies.set("ecab_lang", "en")
        page = (await office.client.get(f"/meetings/{meeting}/matrix")).text
        filtered = (await office.client.get(f"/meetings/{meeting}/matrix?stance=disagree")).text
    assert (
        '<td class="cell stance-disagree" title="Disagree: '
        '&lt;b&gt;Trái luật&lt;/b&gt; &amp; &#34;sai&#34;">'
    ) in page
    assert "<b>Trái" not in page
    assert page.count('<td class="cell stance-missing" title="No position">') == 2 * 2 - 1
    # Filtered on a stance, the item with it is shown, the other cells in its column dimmed.
    assert filtered.count('<td class="cell stance-disagree" title') == 1
    assert filtered.count('<td class="cell stance-missing dim" title="No position">') == 1


async def test_the_secretariat_sees_the_matrix_chart_and_csv_and_moves_an_item(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    body_id = seats["member"].body_id
    extra = await add_members(db, settings, body_id, 1)
    meeting, items = await make_meeting(db, body_id, items=2)
    async with signed_in(
        client, settings, [seats["member"], *extra, seats["secretariat"], seats["chair"]]
    ) as people:
        member, minister, office, chair = people
        await member.client.put(
            f"/api/items/{items[0]}/positions/me",
            json={"stance": "disagree", "text": "=cmd|' /C calc'!A0"},
        )
        await minister.client.put(f"/api/items/{items[1]}/positions/me", json={"stance": "agree"})
        office.client.cookies.set("ecab_lang", "en")
        page = await office.client.get(f"/meetings/{meeting}/matrix")
        assert page.status_code == 200
        assert_csp_clean(page.text)
        assert '<svg class="chart"' in page.text and 'class="line"' in page.text
        assert "✗" in page.text and "✓" in page.text  # symbols beside the colours
        assert "Who has not yet given a position" in page.text
        filtered = await office.client.get(f"/meetings/{meeting}/matrix?stance=disagree")
        assert filtered.text.count('class="item-head"') == 1
        exported = await office.client.get(f"/meetings/{meeting}/matrix.csv")
        assert exported.headers["content-type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff"))))
        assert rows[0][:4] == ["Item", "Item title", "Member", "Position"]
        assert len(rows) == 1 + 2 * 3
        assert any(r[4] == "'=cmd|' /C calc'!A0" for r in rows)  # no formula injection
        assert (await member.client.get(f"/meetings/{meeting}/matrix")).status_code == 403
        assert (await chair.client.get(f"/meetings/{meeting}/matrix")).status_code == 200
        triage = await office.client.get(f"/meetings/{meeting}/triage")
        assert_csp_clean(triage.text)
        token = csrf_of(triage.text)
        assert (
            await office.client.post(f"/meetings/{meeting}/triage", data={"csrf_token": token})
        ).status_code == 303
        no_reason = await office.client.post(
            f"/meetings/{meeting}/items/{items[1]}/move",
            data={"csrf_token": token, "to": "contested", "reason": ""},
        )
        assert no_reason.status_code == 422 and "Give the reason" in no_reason.text
        moved = await office.client.post(
            f"/meetings/{meeting}/items/{items[1]}/move",
            data={"csrf_token": token, "to": "contested", "reason": "Cần ý kiến Bộ Tài chính."},
        )
        assert moved.status_code == 303
        record = (await office.client.get(f"/meetings/{meeting}/triage")).text
        assert "Cần ý kiến Bộ Tài chính." in record and "On the record" in record
        assert "Người secretariat moved" in record


async def test_a_member_pulls_an_item_on_the_triage_page(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    meeting, items = await make_meeting(db, seats["member"].body_id, items=1)
    async with signed_in(client, settings, [seats["member"], seats["secretariat"]]) as people:
        member, office = people
        await office.client.post(f"/api/meetings/{meeting}/triage", json={})
        page = await member.client.get(f"/meetings/{meeting}/triage")
        assert "/pull" in page.text and "/move" not in page.text
        pulled = await member.client.post(
            f"/meetings/{meeting}/items/{items[0]}/pull", data={"csrf_token": csrf_of(page.text)}
        )
        assert pulled.status_code == 303
    async with db.read() as session:
        item = (await session.exec(select(AgendaItem))).one()
    assert item.status == "contested" and item.status_reason


async def test_the_open_page_and_notifications(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    meeting, _items = await make_meeting(db, seats["member"].body_id, items=1)
    async with signed_in(client, settings, [seats["member"], seats["secretariat"]]) as people:
        member, office = people
        await office.client.post(f"/api/meetings/{meeting}/reminders", json={})
        member.client.cookies.set("ecab_lang", "en")
        page = await member.client.get("/open")
        assert page.status_code == 200
        assert_csp_clean(page.text)
        assert f"/meetings/{meeting}/positions" in page.text
        assert "Reminder: written positions on" in page.text
        notes = await member.client.get("/notifications")
        read = await member.client.post(
            "/notifications/read", data={"csrf_token": csrf_of(notes.text)}
        )
        assert read.status_code == 303
        assert "No new notifications." in (await member.client.get("/open")).text


async def test_the_poll_pages_draft_send_and_show_the_ballot_buttons(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    body_id = seats["member"].body_id
    async with signed_in(
        client, settings, [seats["secretariat"], seats["chair"], seats["member"]]
    ) as people:
        office, chair, member = people
        office.client.cookies.set("ecab_lang", "en")
        page = await office.client.get(f"/bodies/{body_id}/polls")
        assert_csp_clean(page.text)
        token = csrf_of(page.text)
        bad = await office.client.post(
            f"/bodies/{body_id}/polls",
            data={"csrf_token": token, "title": "Lấy ý kiến", "questions": "  "},
        )
        assert bad.status_code == 422 and "between 1 and" in bad.text
        made = await office.client.post(
            f"/bodies/{body_id}/polls",
            data={
                "csrf_token": token,
                "title": "Lấy ý kiến về Nghị định",
                "questions": "Thông qua?\nGiao Bộ Tư pháp hoàn thiện?",
                "deadline": "2099-01-31T17:00",
            },
        )
        assert made.status_code == 303
        address = made.headers["location"]
        async with db.read() as session:
            poll = (await session.exec(select(Poll))).one()
        assert poll.deadline is not None and poll.deadline.hour == 10  # 17:00 in Hà Nội
        chair_page = await chair.client.get(address)
        assert "/send" in chair_page.text and "/approve" in chair_page.text
        sent = await chair.client.post(
            f"{address}/send", data={"csrf_token": csrf_of(chair_page.text)}
        )
        assert sent.status_code == 303
        member.client.cookies.set("ecab_lang", "en")
        ballot_page = await member.client.get(address)
        assert_csp_clean(ballot_page.text)
        assert ballot_page.text.count('class="button ballot-button') == 6  # 2 questions x 3
        assert "/static/js/ballot.js" in ballot_page.text


async def test_the_comments_page(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    body_id = seats["member"].body_id
    _meeting, items = await make_meeting(db, body_id, items=1)
    _document, version = await make_draft(db, body_id, items[0])
    async with signed_in(client, settings, [seats["member"], seats["secretariat"]]) as people:
        member, office = people
        page = await member.client.get(f"/versions/{version}/comments?page=3&quote=Điều%205")
        assert page.status_code == 200
        assert_csp_clean(page.text)
        assert 'value="3"' in page.text and "Điều 5</textarea>" in page.text
        added = await member.client.post(
            f"/versions/{version}/comments",
            data={
                "csrf_token": csrf_of(page.text),
                "page": "3",
                "quote": "Điều 5",
                "text": "Đề nghị làm rõ.",
            },
        )
        assert added.status_code == 303
        office_page = await office.client.get(f"/versions/{version}/comments")
        assert "Đề nghị làm rõ." in office_page.text and "/resolve" in office_page.text
        comment_id = re.search(r'id="comment-(\d+)"', office_page.text).group(1)  # type: ignore[union-attr]
        answered = await office.client.post(
            f"/comments/{comment_id}/resolve",
            data={
                "csrf_token": csrf_of(office_page.text),
                "resolution": "explained",
                "response": "Đã có hướng dẫn tại Thông tư.",
            },
        )
        assert answered.status_code == 303
        assert (
            "Đã có hướng dẫn tại Thông tư."
            in (await member.client.get(f"/versions/{version}/comments")).text
        )


async def test_an_assistant_drafts_on_the_page(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    async with db.transaction() as tx:
        member = (
            await tx.session.exec(
                select(Membership).where(Membership.person_id == seats["member"].person_id)
            )
        ).one()
        helper = (
            await tx.session.exec(
                select(Membership).where(Membership.person_id == seats["observer"].person_id)
            )
        ).one()
        helper.assists_id = member.id
        tx.session.add(helper)
    meeting, items = await make_meeting(db, seats["member"].body_id, items=1)
    async with signed_in(client, settings, [seats["observer"], seats["member"]]) as people:
        assistant, minister = people
        page = await assistant.client.get(f"/meetings/{meeting}/positions?member={member.id}")
        assert page.status_code == 200
        drafted = await assistant.client.post(
            f"/meetings/{meeting}/positions/{items[0]}",
            data={"csrf_token": csrf_of(page.text), "member": str(member.id), "stance": "agree"},
        )
        assert drafted.status_code == 303
        sheet = await minister.client.get(f"/meetings/{meeting}/positions")
        assert f"/positions/{items[0]}/submit" in sheet.text
        shown = re.search(r'name="revision" value="(\d+)"', sheet.text)
        assert shown is not None
        # The assistant changes the draft while the member reads it: the page refuses to
        # submit a draft the member has not seen.
        redrafted = await assistant.client.post(
            f"/meetings/{meeting}/positions/{items[0]}",
            data={
                "csrf_token": csrf_of(page.text),
                "member": str(member.id),
                "stance": "discuss",
                "text": "Cần thảo luận thêm.",
            },
        )
        assert redrafted.status_code == 303
        stale = await minister.client.post(
            f"/meetings/{meeting}/positions/{items[0]}/submit",
            data={"csrf_token": csrf_of(sheet.text), "revision": shown.group(1)},
        )
        assert stale.status_code == 409
        assert "Trợ lý của bạn đã sửa bản dự thảo này sau khi bạn xem" in stale.text
        assert (await last_event(db)).kind == "position.drafted"
        sheet = await minister.client.get(f"/meetings/{meeting}/positions")
        shown = re.search(r'name="revision" value="(\d+)"', sheet.text)
        assert shown is not None
        submitted = await minister.client.post(
            f"/meetings/{meeting}/positions/{items[0]}/submit",
            data={"csrf_token": csrf_of(sheet.text), "revision": shown.group(1)},
        )
        assert submitted.status_code == 303
    assert (await last_event(db)).kind == "position.submitted"
