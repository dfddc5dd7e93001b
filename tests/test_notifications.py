"""The notification service: preferences, quiet hours, the digest, and the account-security
notice that no setting silences, delivered by a real SMTP server (aiosmtpd)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from sqlmodel import select

from ecabinet.actions import notifications
from ecabinet.db import Database
from ecabinet.models import NotificationDelivery, utcnow
from ecabinet.notices import schedule
from ecabinet.settings import Settings
from ecabinet.sweeper import sweep_once
from ecabinet.vocab import NoticeKind

from .support.deliberation import execute, make_meeting, signed_in
from .support.factories import authenticator, enroll, seat_people
from .support.smtp import smtp_server

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def test_quiet_hours_across_midnight_end_in_the_morning() -> None:
    start, end = schedule.parse_hhmm("22:00"), schedule.parse_hhmm("06:30")
    at_night = datetime(2026, 11, 29, 23, 15, tzinfo=HANOI).astimezone(UTC)
    wake = schedule.quiet_until(at_night, HANOI, start, end)
    assert wake == datetime(2026, 11, 30, 6, 30, tzinfo=HANOI)
    after_midnight = datetime(2026, 11, 30, 2, 0, tzinfo=HANOI).astimezone(UTC)
    assert schedule.quiet_until(after_midnight, HANOI, start, end) == wake
    by_day = datetime(2026, 11, 30, 9, 0, tzinfo=HANOI).astimezone(UTC)
    assert schedule.quiet_until(by_day, HANOI, start, end) is None
    assert schedule.quiet_until(at_night, HANOI, 0, 0) is None


def test_the_smallest_due_lead_time_wins_and_retries_slow_down() -> None:
    now = datetime(2026, 11, 29, 12, tzinfo=UTC)
    assert schedule.due_lead(now, now + timedelta(hours=30), [72, 24, 2]) == 72
    assert schedule.due_lead(now, now + timedelta(hours=20), [72, 24, 2]) == 24
    assert schedule.due_lead(now, now + timedelta(minutes=30), [72, 24, 2]) == 2
    assert schedule.due_lead(now, now + timedelta(days=4), [72, 24, 2]) is None
    assert schedule.due_lead(now, now - timedelta(minutes=1), [72]) is None
    pauses = [schedule.retry_pause(n) for n in (1, 2, 3, 10)]
    assert pauses == [
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=4),
        timedelta(hours=1),
    ]


async def test_a_new_passkey_is_mailed_at_once_whatever_the_settings(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    tablet = authenticator(settings)
    await enroll(client, seats["chair"].token, tablet)
    # Everything outside the app turned off, and quiet hours all day long.
    muted = await client.put(
        "/api/me/notification-settings",
        json={
            "email": False,
            "push": False,
            "quietStart": "00:00",
            "quietEnd": "23:59",
            "muted": [k.value for k in NoticeKind if k.silenceable],
        },
    )
    assert muted.status_code == 200, muted.text
    refused = await client.put("/api/me/notification-settings", json={"muted": ["account.device"]})
    assert refused.status_code == 422
    assert "Không thể tắt" in refused.json()["detail"]
    phone = authenticator(settings, "Ed25519")
    options = await client.post("/api/me/passkeys/options", json={})
    added = await client.post(
        "/api/me/passkeys",
        json={"credential": phone.register(options.json()), "deviceName": "Điện thoại lạ"},
    )
    assert added.status_code == 201, added.text
    assert (await client.get("/api/me/notifications/unread")).json() == {"unread": 1}
    with smtp_server() as (inbox, port):
        mailed = await sweep_once(
            db, replace(settings, smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False)
        )
    assert mailed.mailed == 1
    assert inbox.recipients == [["chair@chinh-phu.example"]]
    assert "Điện thoại lạ" in inbox.text_of(0)
    assert "/devices" in inbox.text_of(0)


async def test_quiet_hours_hold_mail_and_muted_kinds_stay_in_the_app(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    now = utcnow().astimezone(HANOI)
    start = (now - timedelta(hours=1)).strftime("%H:%M")
    end = (now + timedelta(hours=1)).strftime("%H:%M")
    async with signed_in(client, settings, [seats["chair"], seats["member"]]) as people:
        chair, member = people
        assert (
            await chair.client.put(
                "/api/me/notification-settings", json={"quietStart": start, "quietEnd": end}
            )
        ).status_code == 200
        assert (
            await member.client.put(
                "/api/me/notification-settings", json={"muted": ["positions.reminder"]}
            )
        ).status_code == 200
        shown = (await member.client.get("/api/me/notification-settings")).json()
        assert shown["muted"] == ["positions.reminder"]
        assert shown["leadHours"] == [72, 24, 2]  # the server's default
    await make_meeting(db, seats["member"].body_id, items=1, deadline_in=timedelta(hours=1))
    with smtp_server() as (inbox, port):
        done = await sweep_once(
            db, replace(settings, smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False)
        )
    assert done.reminded == 2 and done.mailed == 0 and inbox.messages == []
    async with db.read() as session:
        rows = (await session.exec(select(NotificationDelivery))).all()
    # The member muted reminders: no e-mail row at all. The chair's waits for the morning.
    assert len(rows) == 1
    assert rows[0].state == "pending" and rows[0].attempts == 0
    assert rows[0].due_at > utcnow() + timedelta(minutes=30)


async def test_the_digest_gathers_a_day_of_mail_into_one_message(
    db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    async with db.transaction() as tx:
        from ecabinet.models import NotificationPreference

        tx.session.add(
            NotificationPreference(
                person_id=seats["member"].person_id, email_digest=True, digest_hour=7
            )
        )
    for n in range(3):
        async with db.transaction() as tx:
            await notifications.notify(
                tx,
                [seats["member"].person_id],
                kind=NoticeKind.POLL_SENT,
                message="Poll %(n)s",
                link=f"/polls/{n}",
                n=n,
            )
    configured = replace(settings, smtp_host="127.0.0.1", smtp_starttls=False)
    with smtp_server() as (inbox, port):
        configured = replace(configured, smtp_port=port)
        assert (await sweep_once(db, configured)).mailed == 0  # waits for 07:00
        await execute(
            db, "UPDATE notification SET created_at = :at", at=utcnow() - timedelta(days=1, hours=1)
        )
        await execute(db, "UPDATE notification_delivery SET due_at = :at", at=utcnow())
        assert (await sweep_once(db, configured)).mailed == 3
    assert len(inbox.messages) == 1
    text = inbox.text_of(0)
    assert all(f"Poll {n}" in text for n in range(3))
    assert "3" in inbox.messages[0]["Subject"]
