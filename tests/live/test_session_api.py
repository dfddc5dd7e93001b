"""The live session through its JSON API, with real passkeys (the software authenticator):
check-in, quorum, live votes with receipts before the close, secret ballots as counts
only, stand-ins, a ballot sent twice, and the outcome with the rule that decided it."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import httpx
import pytest
from sqlmodel import select

from ecabinet.ballots.evidence import ballot_challenge
from ecabinet.db import Database
from ecabinet.models import Ballot, Document, DocumentVersion, Meeting, utcnow
from ecabinet.settings import Settings
from ecabinet.softauthn import b64url

from ..support.factories import csrf_header
from ..support.live import (
    OPEN_ANYWAY,
    Session,
    Tablet,
    add_deputy,
    audit_kinds,
    make_session,
    post,
    seat_tablet,
)
from ..support.packets import make_pdf


async def test_members_check_in_vote_and_see_their_receipt_before_the_close(
    client: httpx.AsyncClient, db: Database, settings: Settings, tablets: list[Tablet]
) -> None:
    live = await make_session(db, settings, extra_members=1)
    chair = await seat_tablet(client, settings, live, "chair", tablets)
    member = await seat_tablet(client, settings, live, "member", tablets)
    minister = await seat_tablet(client, settings, live, "member-1", tablets)
    meeting = live.meeting_id
    # Nobody has checked in: refused with the numbers, until the chair confirms.
    refused = await chair.client.post(f"/api/meetings/{meeting}/session/open", json={})
    assert refused.status_code == 409
    assert refused.json()["type"] == "urn:ecabinet:problem:no-quorum-yet"
    assert refused.json()["detail"].startswith(
        "There is no quorum yet: 0 of 3 members have checked in and 2 are needed."
    )
    await post(chair, f"/api/meetings/{meeting}/session/open", OPEN_ANYWAY)

    assert (await chair.check_in(meeting)).status_code == 200
    checked = await member.check_in(meeting, "remote")
    assert checked.status_code == 200
    state = checked.json()
    assert state["quorum"] == {"members": 3, "present": 2, "needed": 2, "met": True}
    assert [(a["name"], a["mode"]) for a in state["attendance"] if a["checked_in"]] == [
        ("Người chair", "room"),
        ("Người member", "remote"),
    ]
    assert state["me"]["checked_in"]

    await post(chair, f"/api/meetings/{meeting}/consent-block/adopt")
    taken = await post(chair, f"/api/meetings/{meeting}/session/next")
    assert taken["current_item"] == live.items[1] and taken["phase"] == "item"
    poll = await post(
        chair, f"/api/items/{live.items[1]}/polls", {"question": "Thông qua Tờ trình số 2?"}
    )
    assert poll["options"] == ["for", "against", "abstain"] and poll["electorate"] == 3
    # The member attending remotely is told the vote is open (their badge, push, mail).
    notes = (await member.client.get("/api/me/notifications")).json()["notifications"]
    assert [(n["kind"], n["link"]) for n in notes] == [("vote.opened", f"/meetings/{meeting}/live")]
    assert (await chair.client.get("/api/me/notifications")).json()["notifications"] == []

    cast = await member.vote(poll, "for")
    assert cast.status_code == 201, cast.text
    mine = (await member.snapshot(meeting))["me"]["ballot"]
    assert mine == {"receipt": cast.json()["receipt"], "choice": "for", "cast_at": mine["cast_at"]}
    assert (await chair.snapshot(meeting))["poll"]["cast"] == 1
    # Not checked in: no ballot, and the refusal is audited.
    refused = await minister.options(poll, "against")
    assert refused.status_code == 403
    assert refused.json()["detail"] == "Check in to the session with your passkey before voting."
    assert (await audit_kinds(db, "refused."))[-1] == "refused.ballot"
    assert (await chair.vote(poll, "for")).status_code == 201

    result = await post(chair, f"/api/polls/{poll['id']}/close")
    assert result["passed"] and result["rule"] == "majority_for"
    assert "2" in result["sentence"] and result["outcome"]["needed"] == 2
    after = await member.snapshot(meeting)
    assert after["poll"] is None and after["agenda"][1]["status"] == "adopted"
    [shown] = after["results"]
    assert shown["by_choice"] == {
        "for": ["Người chair", "Người member"],
        "against": [],
        "abstain": [],
    }
    assert set(shown["sentence"]) == {"vi", "en"}
    assert shown["sentence"]["en"].startswith("Adopted: 2 of 3 voted for")


async def test_a_secret_ballot_shows_counts_only(
    client: httpx.AsyncClient, db: Database, settings: Settings, tablets: list[Tablet]
) -> None:
    live = await make_session(db, settings, secret_ballot_allowed=True)
    chair = await seat_tablet(client, settings, live, "chair", tablets)
    member = await seat_tablet(client, settings, live, "member", tablets)
    meeting = live.meeting_id
    await post(chair, f"/api/meetings/{meeting}/session/open", OPEN_ANYWAY)
    for one in (chair, member):
        assert (await one.check_in(meeting)).status_code == 200
    await post(chair, f"/api/meetings/{meeting}/session/next", {"item": live.items[2]})
    poll = await post(chair, f"/api/items/{live.items[2]}/polls", {"secret": True})
    assert poll["secret"] and poll["question"] == "Thông qua: Tờ trình số 3?"
    assert (await member.vote(poll, "against")).status_code == 201
    assert (await member.snapshot(meeting))["me"]["ballot"]["choice"] is None
    assert (await chair.vote(poll, "against")).status_code == 201
    closed = await post(chair, f"/api/polls/{poll['id']}/close")
    assert not closed["passed"] and closed["outcome"]["against"] == 2
    [shown] = (await chair.snapshot(meeting))["results"]
    assert shown["secret"] and shown["by_choice"] is None
    assert '"against"' not in str(await audit_kinds(db))
    async with db.read() as session:
        assert len((await session.exec(select(Ballot))).all()) == 2


async def test_a_ballot_sent_twice_is_recorded_once(
    client: httpx.AsyncClient, db: Database, settings: Settings, tablets: list[Tablet]
) -> None:
    live = await make_session(db, settings, revote_policy="once")
    chair = await seat_tablet(client, settings, live, "chair", tablets)
    member = await seat_tablet(client, settings, live, "member", tablets)
    meeting = live.meeting_id
    await post(chair, f"/api/meetings/{meeting}/session/open", OPEN_ANYWAY)
    for one in (chair, member):
        assert (await one.check_in(meeting)).status_code == 200
    await post(chair, f"/api/meetings/{meeting}/session/next")
    poll = await post(chair, f"/api/items/{live.items[1]}/polls")
    _, signed = await member.ballot(poll, "for")
    first = await member.client.post(f"/api/polls/{poll['id']}/ballots", json=signed)
    retry = await member.client.post(f"/api/polls/{poll['id']}/ballots", json=signed)
    # The tablet that lost the first answer sends the same signed ballot again and is
    # told it was recorded, with the same receipt: not "already used", not counted twice.
    assert first.status_code == 201 and retry.status_code == 200
    assert retry.json()["receipt"] == first.json()["receipt"] and retry.json()["resent"]
    # The snapshot says so too.
    assert (await member.snapshot(meeting))["me"]["ballot"]["receipt"] == first.json()["receipt"]
    again = await member.options(poll, "against")
    assert again.status_code == 403 and "does not allow changing a vote" in again.text
    async with db.read() as session:
        assert len((await session.exec(select(Ballot))).all()) == 1


async def test_check_in_refusals(
    client: httpx.AsyncClient, db: Database, settings: Settings, tablets: list[Tablet]
) -> None:
    live = await make_session(db, settings)
    observer = await seat_tablet(client, settings, live, "observer", tablets)
    member = await seat_tablet(client, settings, live, "member", tablets)
    refused = await observer.client.post(
        f"/api/meetings/{live.meeting_id}/checkin/options", json={"mode": "room"}
    )
    assert refused.status_code == 403
    bad_mode = await member.client.post(
        f"/api/meetings/{live.meeting_id}/checkin/options", json={"mode": "balcony"}
    )
    assert bad_mode.status_code == 422
    other = await make_other_meeting(db, live)
    options = await member.client.post(
        f"/api/meetings/{other}/checkin/options", json={"mode": "room"}
    )
    credential = member.device.assert_(options.json()["publicKey"])
    wrong = await member.client.post(
        f"/api/meetings/{live.meeting_id}/checkin", json={"credential": credential}
    )
    assert wrong.status_code == 403
    assert (await audit_kinds(db, "refused."))[-1] == "refused.checkin"


async def make_other_meeting(db: Database, live: Session) -> int:
    from ecabinet.models import Meeting, utcnow

    async with db.transaction() as tx:
        meeting = Meeting(
            body_id=live.body_id, title="Phiên họp chuyên đề", starts_at=utcnow(), state="published"
        )
        tx.session.add(meeting)
        await tx.session.flush()
        assert meeting.id is not None
        return meeting.id


@pytest.mark.parametrize("may_vote", [False, True])
async def test_a_stand_in_is_recorded_and_votes_only_where_the_body_allows(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    tablets: list[Tablet],
    may_vote: bool,
) -> None:
    live = await make_session(
        db, settings, stand_in_may_vote=may_vote, quorum_numerator=1, quorum_denominator=2
    )
    deputy_seat = await add_deputy(db, settings, live, live.seats["member"])
    chair = await seat_tablet(client, settings, live, "chair", tablets)
    deputy = await seat_tablet(client, settings, live, "deputy", tablets)
    meeting = live.meeting_id
    await post(chair, f"/api/meetings/{meeting}/session/open", OPEN_ANYWAY)
    assert (await chair.check_in(meeting)).status_code == 200
    checked = await deputy.check_in(meeting)
    assert checked.status_code == 200, checked.text
    line = checked.json()["attendance"][1]
    assert line["stand_in"] == "Thứ trưởng" and line["present"] is may_vote
    assert checked.json()["quorum"]["present"] == (2 if may_vote else 1)
    await post(chair, f"/api/meetings/{meeting}/session/next")
    poll = await post(chair, f"/api/items/{live.items[1]}/polls")
    issued = await deputy.options(poll, "for")
    if not may_vote:
        assert issued.status_code == 403
        assert issued.json()["detail"] == "In this body a stand-in attends without a vote."
        return
    assert issued.status_code == 200
    payload = issued.json()["payload"]
    assert payload["person"] == deputy_seat.person_id  # who signed ...
    assert payload["voter"] == line["seat"]  # ... for whose seat
    cast = await deputy.client.post(
        f"/api/polls/{poll['id']}/ballots",
        json={"payload": payload, "credential": deputy.device.assert_(issued.json()["publicKey"])},
    )
    assert cast.status_code == 201
    assert (await deputy.snapshot(meeting))["me"]["ballot"]["receipt"] == cast.json()["receipt"]


async def test_opening_before_the_scheduled_date_is_confirmed_and_audited(
    client: httpx.AsyncClient, db: Database, settings: Settings, tablets: list[Tablet]
) -> None:
    live = await make_session(db, settings)
    async with db.transaction() as tx:
        meeting = await tx.session.get(Meeting, live.meeting_id)
        assert meeting is not None
        meeting.starts_at = utcnow() + timedelta(days=3)
        tx.session.add(meeting)
    chair = await seat_tablet(client, settings, live, "chair", tablets)
    url = f"/api/meetings/{live.meeting_id}/session/open"
    # The quorum warning confirmed alone does not pass over the date: each is its own.
    refused = await chair.client.post(url, json=OPEN_ANYWAY)
    assert refused.status_code == 409
    assert refused.json()["type"] == "urn:ecabinet:problem:opens-before-its-date"
    assert refused.json()["detail"].startswith("This session is scheduled for ")
    assert "session.opened_before_its_date" not in await audit_kinds(db)
    opened = await post(chair, url, {"confirm": True, "confirm_early": True})
    assert opened["phase"] == "open"
    assert "session.opened_before_its_date" in await audit_kinds(db)


async def test_opening_after_the_scheduled_date_passed_is_confirmed_and_audited(
    client: httpx.AsyncClient, db: Database, settings: Settings, tablets: list[Tablet]
) -> None:
    live = await make_session(db, settings)
    async with db.transaction() as tx:
        meeting = await tx.session.get(Meeting, live.meeting_id)
        assert meeting is not None
        meeting.starts_at = utcnow() - timedelta(days=4)
        tx.session.add(meeting)
    chair = await seat_tablet(client, settings, live, "chair", tablets)
    url = f"/api/meetings/{live.meeting_id}/session/open"
    refused = await chair.client.post(url, json={"confirm": True, "confirm_early": True})
    assert refused.status_code == 409
    assert refused.json()["type"] == "urn:ecabinet:problem:opens-after-its-date"
    assert refused.json()["detail"].startswith("This session was scheduled for ")
    assert "4 days later" in refused.json()["detail"]
    assert "session.opened_after_its_date" not in await audit_kinds(db)
    opened = await post(chair, url, {"confirm": True, "confirm_late": True})
    assert opened["phase"] == "open"
    assert "session.opened_after_its_date" in await audit_kinds(db)


async def test_a_vote_on_an_item_whose_documents_changed_is_confirmed_and_audited(
    client: httpx.AsyncClient, db: Database, settings: Settings, tablets: list[Tablet]
) -> None:
    live = await make_session(db, settings)
    chair = await seat_tablet(client, settings, live, "chair", tablets)
    member = await seat_tablet(client, settings, live, "member", tablets)
    meeting = live.meeting_id
    await post(chair, f"/api/meetings/{meeting}/session/open", OPEN_ANYWAY)
    for one in (chair, member):
        assert (await one.check_in(meeting)).status_code == 200
    await post(chair, f"/api/meetings/{meeting}/consent-block/adopt")
    await post(chair, f"/api/meetings/{meeting}/session/next")
    # The secretariat replaced the submission after the meeting was published.
    async with db.transaction() as tx:
        document = Document(body_id=live.body_id, item_id=live.items[1], title="Tờ trình sửa đổi")
        tx.session.add(document)
        await tx.session.flush()
        tx.session.add(
            DocumentVersion(
                document_id=document.id or 0,
                number=2,
                sha256="0" * 64,
                size=1,
                media_type="application/pdf",
                filename="v2.pdf",
                uploaded_at=utcnow() + timedelta(seconds=1),
            )
        )
    url = f"/api/items/{live.items[1]}/polls"
    refused = await chair.client.post(url, json={"question": "Thông qua?"})
    assert refused.status_code == 409
    assert refused.json()["type"] == "urn:ecabinet:problem:documents-changed"
    assert "Tờ trình sửa đổi" in refused.json()["detail"]
    assert (await chair.snapshot(meeting))["poll"] is None
    poll = await post(chair, url, {"question": "Thông qua?", "confirm_changed": True})
    assert poll["state"] == "open"
    assert "vote.opened_after_documents_changed" in await audit_kinds(db)


async def _upload(one: Tablet, url: str, data: bytes, **fields: str) -> httpx.Response:
    return await one.client.post(
        url,
        files={"file": ("du-thao.pdf", data, "application/pdf")},
        data=fields,
        headers=await csrf_header(one.client),
    )


async def test_a_ballot_signs_the_versions_frozen_when_the_vote_opened(
    client: httpx.AsyncClient, db: Database, settings: Settings, tablets: list[Tablet]
) -> None:
    live = await make_session(db, settings)
    chair = await seat_tablet(client, settings, live, "chair", tablets)
    member = await seat_tablet(client, settings, live, "member", tablets)
    office = await seat_tablet(client, settings, live, "secretariat", tablets)
    meeting, item = live.meeting_id, live.items[1]
    first, second = make_pdf(text="Du thao lan 1"), make_pdf(text="Du thao lan 2")
    added = await _upload(
        office,
        f"/api/items/{item}/documents",
        first,
        title="Dự thảo Nghị định",
        classification="internal",
    )
    assert added.status_code == 201, added.text
    document = added.json()["document"]["id"]
    revised = await _upload(
        office, f"/api/documents/{document}/versions", second, note="Sửa Điều 3"
    )
    assert revised.status_code == 201, revised.text
    await post(chair, f"/api/meetings/{meeting}/session/open", OPEN_ANYWAY)
    for one in (chair, member):
        assert (await one.check_in(meeting)).status_code == 200
    await post(chair, f"/api/meetings/{meeting}/consent-block/adopt")
    await post(chair, f"/api/meetings/{meeting}/session/next")
    poll = await post(
        chair, f"/api/items/{item}/polls", {"question": "Thông qua?", "confirm_changed": True}
    )
    frozen = [
        {
            "document": document,
            "title": "Dự thảo Nghị định",
            "version": 2,
            "sha256": hashlib.sha256(second).hexdigest(),
        }
    ]
    # The tablet shows the versions voted on; the ballot it signs names the same.
    shown = (await member.snapshot(meeting))["poll"]["texts"]
    assert shown == [{k: v for k, v in frozen[0].items() if k != "document"}]
    issued, signed = await member.ballot(poll, "for")
    assert issued["payload"]["texts"] == frozen

    # A ballot signed over other versions (version 1, say) is refused, and nothing counts:
    # signed by the passkey over the other payload, or sent beside the genuine signature.
    other = dict(
        issued["payload"],
        texts=[dict(frozen[0], version=1, sha256=hashlib.sha256(first).hexdigest())],
    )
    options = dict(issued["publicKey"], challenge=b64url(ballot_challenge(other)))
    url = f"/api/polls/{poll['id']}/ballots"
    forged = await member.client.post(
        url, json={"payload": other, "credential": member.device.assert_(options)}
    )
    assert forged.status_code == 403, forged.text
    swapped = await member.client.post(url, json={**signed, "payload": other})
    assert swapped.status_code == 403
    assert swapped.json()["detail"] == (
        "This ballot names other versions of the documents "
        "than those frozen when the vote opened; nothing was "
        "recorded."
    )
    assert "refused.ballot" in await audit_kinds(db)
    async with db.read() as session:
        assert (await session.exec(select(Ballot))).all() == []

    # While the vote is open the text cannot change: refused with the reason, audited.
    during = await _upload(
        office, f"/api/documents/{document}/versions", make_pdf(), note="Sửa lần 3"
    )
    assert during.status_code == 409, during.text
    assert during.json()["type"] == "urn:ecabinet:problem:texts-frozen"
    assert during.json()["detail"] == (
        'A vote on this text is open ("Tờ trình số 2"): no new version can be uploaded '
        "until it closes, so that every member votes on the same text."
    )
    assert "refused.texts-frozen" in await audit_kinds(db)

    assert (await member.vote(poll, "for")).status_code == 201
    assert (await chair.vote(poll, "for")).status_code == 201
    await post(chair, f"/api/polls/{poll['id']}/close")
    after = await _upload(
        office, f"/api/documents/{document}/versions", make_pdf(), note="Sửa lần 3"
    )
    assert after.status_code == 201, after.text
