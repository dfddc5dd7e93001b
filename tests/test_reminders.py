"""Reminders: the secretariat sees who is missing and chases them; members see what is open;
notifications in the app, and by e-mail when an SMTP server is configured."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import httpx
from sqlmodel import select

from ecabinet.db import Database
from ecabinet.models import Membership, Notification, NotificationDelivery, utcnow
from ecabinet.notices.mail import deliver_pending
from ecabinet.settings import Settings
from ecabinet.sweeper import sweep_once

from .support.deliberation import (
    add_members,
    execute,
    last_event,
    make_meeting,
    pass_deadline,
    signed_in,
)
from .support.factories import seat_people
from .support.smtp import free_port, smtp_server


async def test_members_see_what_is_open_and_the_secretariat_reminds_the_missing(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    body_id = seats["member"].body_id
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
    meeting, items = await make_meeting(db, body_id, items=2)
    async with signed_in(
        client, settings, [seats["member"], seats["chair"], seats["secretariat"], seats["observer"]]
    ) as people:
        minister, chair, office, assistant = people
        open_work = (await minister.client.get("/api/me/open")).json()
        assert open_work["positions"][0]["items"] == items
        for item in items:
            await chair.client.put(f"/api/items/{item}/positions/me", json={"stance": "agree"})
        assert (await chair.client.get("/api/me/open")).json()["positions"] == []
        # The assistant sees the member's open items too.
        assert (await assistant.client.get("/api/me/open")).json()["positions"][0][
            "membership"
        ] == member.id
        matrix = (await office.client.get(f"/api/meetings/{meeting}/positions")).json()
        assert all(i["missing"] == [member.id] for i in matrix["items"])
        assert (
            await minister.client.post(f"/api/meetings/{meeting}/reminders", json={})
        ).status_code == 403
        sent = await office.client.post(f"/api/meetings/{meeting}/reminders", json={})
        assert sent.json() == {"notified": 2}  # the member and the assistant, not the chair
        assert (await last_event(db)).kind == "positions.reminded"
        minister.client.cookies.set("ecab_lang", "en")
        notes = (await minister.client.get("/api/me/notifications")).json()["notifications"]
        assert notes[0]["kind"] == "positions.reminder"
        assert notes[0]["text"].startswith("Reminder: written positions on")
        assert notes[0]["link"] == f"/meetings/{meeting}/positions"
        assert (await chair.client.get("/api/me/notifications")).json()["notifications"] == []
        read = await minister.client.post("/api/me/notifications/read", json={})
        assert read.json() == {"read": 1}
        await pass_deadline(db, meeting)
        frozen = await office.client.post(f"/api/meetings/{meeting}/reminders", json={})
        assert frozen.status_code == 409


async def test_the_sweeper_reminds_once_per_lead_time_and_mails_through_smtp(
    db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    body_id = seats["member"].body_id
    await add_members(db, settings, body_id, 1)
    await make_meeting(db, body_id, items=1, deadline_in=timedelta(hours=3))
    await make_meeting(db, body_id, items=1, deadline_in=timedelta(days=4))  # not yet due
    with smtp_server() as (inbox, port):
        configured = replace(
            settings,
            smtp_host="127.0.0.1",
            smtp_port=port,
            smtp_starttls=False,
            smtp_from="ecabinet@chinh-phu.example",
        )
        first = await sweep_once(db, configured)
        second = await sweep_once(db, configured)
    assert (first.reminded, second.reminded) == (3, 0)  # chair, member, minister; once
    assert first.mailed == 3 and second.mailed == 0
    assert sorted(r[0] for r in inbox.recipients) == [
        "bo-truong-1@chinh-phu.example",
        "chair@chinh-phu.example",
        "member@chinh-phu.example",
    ]
    assert inbox.messages[0]["From"] == "ecabinet@chinh-phu.example"
    body = inbox.text_of(0)
    assert "Nhắc" in body or "Reminder" in body
    assert settings.origin + "/meetings/" in body
    async with db.read() as session:
        rows = (await session.exec(select(NotificationDelivery))).all()
    assert len(rows) == 3
    assert all(r.state == "sent" and r.sent_at is not None and r.attempts == 1 for r in rows)


async def test_the_24_hour_reminder_and_the_2_hour_one_are_each_sent_once(
    db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    meeting, _items = await make_meeting(
        db, seats["member"].body_id, items=1, deadline_in=timedelta(hours=20)
    )
    assert (await sweep_once(db, settings)).reminded == 2  # chair and member: the 24 h one
    assert (await sweep_once(db, settings)).reminded == 0
    await execute(
        db,
        "UPDATE meeting SET opinion_deadline = :at WHERE id = :id",
        at=utcnow() + timedelta(minutes=90),
        id=meeting,
    )
    assert (await sweep_once(db, settings)).reminded == 2  # now the 2 h one
    async with db.read() as session:
        subjects = sorted({n.subject for n in (await session.exec(select(Notification))).all()})
    assert subjects == [f"meeting:{meeting}/24h", f"meeting:{meeting}/2h"]


async def test_with_the_smtp_server_down_mail_waits_and_arrives_after_it_returns(
    db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    await make_meeting(db, seats["member"].body_id, items=1, deadline_in=timedelta(hours=1))
    assert (await sweep_once(db, settings)).mailed == 0  # no SMTP configured: in the app only
    port = free_port()  # nobody listens here: the mail server is down
    down = replace(settings, smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False)
    assert await deliver_pending(db, down) == 0
    async with db.read() as session:
        rows = (await session.exec(select(NotificationDelivery))).all()
    assert len(rows) == 2
    assert all(r.state == "pending" and r.attempts == 1 and r.error for r in rows)
    assert all(r.due_at > utcnow() for r in rows)  # paused before the next attempt
    with smtp_server(port=port) as (inbox, _port):
        assert await deliver_pending(db, down) == 0  # the pause is not over yet
        await execute(db, "UPDATE notification_delivery SET due_at = :at", at=utcnow())
        assert await deliver_pending(db, down) == 2
    assert sorted(r[0] for r in inbox.recipients) == [
        "chair@chinh-phu.example",
        "member@chinh-phu.example",
    ]
    async with db.read() as session:
        rows = (await session.exec(select(NotificationDelivery))).all()
    assert all(r.state == "sent" and r.attempts == 2 and r.error == "" for r in rows)
