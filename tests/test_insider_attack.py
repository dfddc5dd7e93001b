"""The insider's attack replayed through the HTTP API (issue 10): a secretariat official
asks for an enrollment link for the chair, who already has a passkey. Every step of the
attack is refused and audited; the honest way back for a person who lost every device, a
recovery that two officials approve, gives a passkey in quarantine that cannot vote,
check in, approve, sign or add a device; the chair is told at each step and rejects the
stranger's device from the old one, which ends the stranger's session."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import httpx
from sqlmodel import col, select

from ecabinet.actions.bodies import add_member, create_body
from ecabinet.db import Database
from ecabinet.models import (
    AuditEvent,
    Body,
    Meeting,
    Minutes,
    Notification,
    PasskeyCredential,
    PasskeyQuarantine,
    utcnow,
)
from ecabinet.settings import Settings
from ecabinet.softauthn import SoftAuthenticator
from ecabinet.sweeper import sweep_once
from ecabinet.vocab import Classification, MeetingState, Role

from .support.factories import add_seat, authenticator, csrf_header, enroll, seat_people
from .support.live import make_session
from .support.polls import open_poll


def problem_type(response: httpx.Response) -> str:
    return str(response.json().get("type", "")).rsplit(":", 1)[-1]


async def person(
    client: httpx.AsyncClient, token: str, device: SoftAuthenticator
) -> httpx.AsyncClient:
    """A browser of its own, enrolled with the link and signed in."""
    other = httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url))
    enrolled = await enroll(other, token, device)
    assert enrolled.status_code == 201, enrolled.text
    other.headers.update(await csrf_header(other))
    return other


async def approve(
    http: httpx.AsyncClient, device: SoftAuthenticator, person_id: int
) -> httpx.Response:
    options = await http.post(f"/api/people/{person_id}/recovery/options", json={})
    assert options.status_code == 200, options.text
    credential = device.assert_(options.json()["publicKey"])
    return await http.post(f"/api/people/{person_id}/recovery", json={"credential": credential})


async def refusals(db: Database, kind: str) -> list[dict[str, Any]]:
    async with db.read() as session:
        return [
            e.data
            for e in (
                await session.exec(
                    select(AuditEvent).where(AuditEvent.kind == kind).order_by(col(AuditEvent.seq))
                )
            ).all()
        ]


async def test_one_insider_cannot_vote_approve_or_sign_as_the_chair(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    live = await make_session(db, settings)
    chair_id = live.seats["chair"].person_id
    async with db.transaction() as tx:
        body = await tx.session.get(Body, live.body_id)
        assert body is not None
        second = await add_seat(
            tx, settings, body, "Thư ký thứ hai", "sec2@example.gov", Role.SECRETARIAT
        )
        province = await create_body(tx, actor_id=None, slug="tinh", name="UBND tỉnh")
        stranger = await add_seat(
            tx, settings, province, "Thư ký tỉnh", "tinh@example.gov", Role.SECRETARIAT
        )
        earlier = Meeting(
            body_id=live.body_id,
            number=5,
            title="Phiên họp tháng trước",
            starts_at=utcnow(),
            state=MeetingState.CLOSED.value,
        )
        tx.session.add(earlier)
        await tx.session.flush()
        assert earlier.id is not None
        tx.session.add(
            Minutes(meeting_id=earlier.id, draft_sha256=hashlib.sha256(b"draft").hexdigest())
        )
    chair_device = authenticator(settings)
    chair = await person(client, live.seats["chair"].token, chair_device)
    first_device, second_device = authenticator(settings), authenticator(settings)
    first = await person(client, live.seats["secretariat"].token, first_device)
    other = await person(client, second.token, second_device)
    outsider = await person(client, stranger.token, authenticator(settings))

    # The attack as reported: one official asks for a link for the chair.
    link = await first.post(f"/api/people/{chair_id}/enrollments", json={})
    assert link.status_code == 403 and problem_type(link) == "recovery-required"
    assert "url" not in link.json()
    # A secretariat of another body cannot even start a recovery.
    foreign = await outsider.post(f"/api/people/{chair_id}/recovery/options", json={})
    assert foreign.status_code == 403 and problem_type(foreign) == "recovery"
    assert (
        "not secretariat of any body" in foreign.json()["detail"]
        or "không phải là thư ký" in foreign.json()["detail"]
    )

    # One official alone: the approval is recorded, no link; a second approval is refused.
    alone = await approve(first, first_device, chair_id)
    assert alone.status_code == 202, alone.text
    assert alone.json()["complete"] is False and "url" not in alone.json()
    assert alone.json()["missing"] == [{"body": "Chính phủ", "approvals": 1, "needed": 2}]
    twice = await first.post(f"/api/people/{chair_id}/recovery/options", json={})
    assert twice.status_code == 403 and problem_type(twice) == "recovery"
    # The second official completes it, and only that answer holds the link.
    done = await approve(other, second_device, chair_id)
    assert done.status_code == 201, done.text
    assert done.headers["cache-control"] == "no-store"
    token = done.json()["url"].rsplit("/", 1)[1]

    thief = authenticator(settings)
    attacker = await person(client, token, thief)
    reused = await client.post(f"/api/enrollments/{token}/options", json={})
    assert reused.status_code == 403  # single use
    me = await attacker.get("/api/me")
    assert me.status_code == 200  # it may read
    recovered = next(p for p in me.json()["passkeys"] if p["quarantinedUntil"])

    async def expect_quarantine(response: httpx.Response) -> None:
        assert response.status_code == 403, response.text
        assert problem_type(response) == "quarantine", response.text

    poll, question = await open_poll(db, live.body_id)
    issued = (
        await attacker.post(
            f"/api/polls/{poll}/ballots/options", json={"question": question, "choice": "for"}
        )
    ).json()
    await expect_quarantine(
        await attacker.post(
            f"/api/polls/{poll}/ballots",
            json={"payload": issued["payload"], "credential": thief.assert_(issued["publicKey"])},
        )
    )

    opened = await first.post(
        f"/api/meetings/{live.meeting_id}/session/open", json={"confirm": True}
    )
    assert opened.status_code == 200, opened.text
    checkin = (
        await attacker.post(
            f"/api/meetings/{live.meeting_id}/checkin/options", json={"mode": "room"}
        )
    ).json()
    await expect_quarantine(
        await attacker.post(
            f"/api/meetings/{live.meeting_id}/checkin",
            json={"credential": thief.assert_(checkin["publicKey"])},
        )
    )

    approval = (
        await attacker.post(f"/api/meetings/{earlier.id}/minutes/approval/options", json={})
    ).json()
    await expect_quarantine(
        await attacker.post(
            f"/api/meetings/{earlier.id}/minutes/approval",
            json={"credential": thief.assert_(approval)},
        )
    )
    await expect_quarantine(
        await attacker.post(f"/api/meetings/{earlier.id}/minutes/signatures", json={"as": "chair"})
    )
    await expect_quarantine(await attacker.post("/api/me/passkeys/options", json={}))
    await expect_quarantine(
        await attacker.post(f"/api/me/passkeys/{recovered['id']}/quarantine/release", json={})
    )
    old_device = next(p for p in me.json()["passkeys"] if not p["quarantinedUntil"])
    await expect_quarantine(await attacker.delete(f"/api/me/passkeys/{old_device['id']}"))

    # The audit names each refusal, the action refused, and whom it was about.
    refused = await refusals(db, "refused.quarantine")
    assert [r["action"] for r in refused] == [
        "vote",
        "check-in",
        "approve-minutes",
        "sign-minutes",
        "add-device",
        "end-quarantine",
        "change-devices",
    ]
    assert {r["credential"] for r in refused} == {recovered["id"]}
    assert len(await refusals(db, "refused.recovery-required")) == 1
    assert len(await refusals(db, "refused.recovery")) == 2  # the outsider; the second try

    # The chair was told of each step, with who approved it.
    told = (await chair.get("/api/me")).json()["security"]
    events = [n["subject"].split(":")[0] for n in told]
    assert events.count("recovery-approved") == 2
    assert {"recovery-link", "recovered"} <= set(events)
    assert {n["kind"] for n in told} == {"account.device", "account.recovery"}
    link_note = next(n for n in told if n["subject"].startswith("recovery-link"))
    assert link_note["params"]["approvers"] == "Người secretariat, Thư ký thứ hai"

    # From the old device the chair rejects the stranger's passkey: its session ends.
    rejected = await chair.post(f"/api/me/passkeys/{recovered['id']}/quarantine/reject", json={})
    assert rejected.status_code == 200, rejected.text
    assert (await attacker.get("/api/me")).status_code == 401
    told = (await chair.get("/api/me")).json()["security"]
    assert told[0]["subject"].startswith("quarantine-rejected:")
    for http in (chair, first, other, outsider, attacker):
        await http.aclose()


async def test_a_member_of_two_bodies_needs_two_officials_of_each(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    tokens: dict[str, str] = {}
    async with db.transaction() as tx:
        government = await create_body(tx, actor_id=None, slug="cp", name="Chính phủ")
        council = await create_body(tx, actor_id=None, slug="hd", name="Hội đồng")
        minister = await add_seat(tx, settings, government, "Bộ trưởng", "bt@example.gov")
        again = await add_member(
            tx,
            actor_id=None,
            body=council,
            full_name="Bộ trưởng",
            role=Role.MEMBER,
            email="bt@example.gov",
            clearance=Classification.MAT,
        )
        assert again.person_id == minister.person_id  # one person, two seats
        for name, body in (
            ("g1", government),
            ("g2", government),
            ("c1", council),
            ("c2", council),
        ):
            official = await add_seat(
                tx, settings, body, f"Thư ký {name}", f"{name}@example.gov", Role.SECRETARIAT
            )
            tokens[name] = official.token
        tokens["minister"] = minister.token
    minister_client = await person(client, tokens["minister"], authenticator(settings))
    officials = {}
    for name in ("g1", "g2", "c1", "c2"):
        device = authenticator(settings)
        officials[name] = (await person(client, tokens[name], device), device)

    missing = []
    for name in ("g1", "g2", "c1"):
        answer = await approve(*officials[name], minister.person_id)
        assert answer.status_code == 202, answer.text
        missing.append(answer.json()["missing"])
    assert missing == [
        [
            {"body": "Chính phủ", "approvals": 1, "needed": 2},
            {"body": "Hội đồng", "approvals": 0, "needed": 2},
        ],
        [{"body": "Hội đồng", "approvals": 0, "needed": 2}],
        [{"body": "Hội đồng", "approvals": 1, "needed": 2}],
    ]
    done = await approve(*officials["c2"], minister.person_id)
    assert done.status_code == 201 and done.json()["url"].startswith(settings.origin)
    for http, _device in officials.values():
        await http.aclose()
    await minister_client.aclose()


async def test_the_sweeper_ends_a_quarantine_that_ran_out_and_tells_the_person(
    db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    member = seats["member"].person_id
    async with db.transaction() as tx:
        key = PasskeyCredential(
            person_id=member,
            credential_id="recovered-key",
            public_key_cose=b"\xa0",
            public_key_spki_pem="",
            device_name="iPad mới",
        )
        tx.session.add(key)
        await tx.session.flush()
        assert key.id is not None
        tx.session.add(
            PasskeyQuarantine(
                credential_id=key.id, person_id=member, until=utcnow() - timedelta(minutes=1)
            )
        )
    assert (await sweep_once(db, settings)).quarantines_ended == 1
    assert (await sweep_once(db, settings)).quarantines_ended == 0  # once
    async with db.read() as session:
        ended = (await session.exec(select(PasskeyQuarantine))).one()
        notes = (
            await session.exec(select(Notification).where(Notification.person_id == member))
        ).all()
    assert ended.outcome == "expired" and ended.ended_at is not None
    assert [n.subject for n in notes] == [f"quarantine-expired:passkey:{key.id}"]
    assert (await refusals(db, "quarantine.expired"))[0]["credential"] == key.id
