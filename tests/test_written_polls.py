"""Written polls end to end: drafted by the secretariat, approved and sent by the chair,
answered by 27 members with passkey-signed ballots, decided by the body's rules at the
deadline or as soon as the result cannot change; the refusals, precise and audited."""

from __future__ import annotations

import base64
from dataclasses import replace
from datetime import datetime, timedelta

import httpx
import pytest
from sqlmodel import select

from ecabinet import clock
from ecabinet.db import Database
from ecabinet.models import Poll, utcnow
from ecabinet.settings import Settings
from ecabinet.sweeper import sweep_once

from .support.deliberation import (
    add_members,
    execute,
    last_event,
    make_meeting,
    pdf_text,
    signed_in,
)
from .support.factories import csrf_header, seat_people
from .support.packets import make_pdf
from .support.polls import draft, vote


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # 27 ministers enroll from one test address within a minute.
    return replace(settings, signin_attempts_per_minute=500)


async def past_deadline(db: Database, poll_id: int) -> None:
    async with db.transaction() as tx:
        poll = await tx.session.get(Poll, poll_id)
        assert poll is not None
        poll.deadline = utcnow() - timedelta(minutes=1)
        tx.session.add(poll)


async def test_the_poll_moves_only_through_its_states(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    body_id = seats["member"].body_id
    async with signed_in(
        client, settings, [seats["secretariat"], seats["chair"], seats["member"]]
    ) as people:
        office, chair, member = people
        assert (
            await member.client.post(
                f"/api/bodies/{body_id}/polls", json={"title": "x", "questions": ["y"]}
            )
        ).status_code == 403
        secret = await office.client.post(
            f"/api/bodies/{body_id}/polls", json={"title": "x", "questions": ["y"], "secret": True}
        )
        assert secret.status_code == 422
        poll = await draft(office, body_id)
        assert poll["state"] == "draft" and poll["options"] == ["for", "against", "abstain"]
        assert (await member.client.get(f"/api/polls/{poll['id']}")).status_code == 404
        office.client.cookies.set("ecab_lang", "en")
        unapproved = await office.client.post(f"/api/polls/{poll['id']}/send", json={})
        assert unapproved.status_code == 403
        assert unapproved.json()["detail"].startswith("The chair has not approved this poll")
        assert (
            await office.client.post(f"/api/polls/{poll['id']}/approve", json={})
        ).status_code == 403
        approved = await chair.client.post(f"/api/polls/{poll['id']}/approve", json={})
        assert approved.json()["state"] == "approved"
        twice = await chair.client.post(f"/api/polls/{poll['id']}/approve", json={})
        assert twice.status_code == 409
        sent = await office.client.post(f"/api/polls/{poll['id']}/send", json={})
        assert sent.json()["state"] == "open" and sent.json()["electorate"] == 2
        assert (await last_event(db, "poll.")).kind == "poll.sent"
        notes = (await member.client.get("/api/me/notifications")).json()["notifications"]
        assert notes[0]["kind"] == "poll.sent" and notes[0]["link"] == f"/polls/{poll['id']}"
        assert (await member.client.get("/api/me/open")).json()["polls"][0]["id"] == poll["id"]
        # The chair sends a draft in one act, approving it.
        other = await draft(office, body_id)
        assert (await chair.client.post(f"/api/polls/{other['id']}/send", json={})).json()[
            "state"
        ] == "open"
        no_reason = await office.client.post(f"/api/polls/{other['id']}/cancel", json={})
        assert no_reason.status_code == 422
        cancelled = await office.client.post(
            f"/api/polls/{other['id']}/cancel", json={"reason": "Rút dự thảo để hoàn thiện."}
        )
        assert cancelled.json()["state"] == "cancelled"
        resend = await chair.client.post(f"/api/polls/{other['id']}/send", json={})
        assert resend.status_code == 409 and resend.json()["type"].endswith("conflict")


async def test_27_members_answer_and_the_silence_policy_decides_as_the_rules_say(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    body_id = seats["member"].body_id
    ministers = await add_members(db, settings, body_id, 25)
    voters = [seats["chair"], seats["member"], *ministers]
    async with signed_in(client, settings, [seats["secretariat"], *voters]) as people:
        office, members = people[0], people[1:]
        assert len(members) == 27
        silence_not_a_vote = await draft(office, body_id)
        await members[0].client.post(f"/api/polls/{silence_not_a_vote['id']}/send", json={})
        # The body now says that no answer counts as agreement; the running poll keeps the
        # rules it was sent with.
        await execute(db, "UPDATE body SET poll_silence = 'agree'")
        silence_agrees = await draft(office, body_id)
        await members[0].client.post(f"/api/polls/{silence_agrees['id']}/send", json={})
        for poll in (silence_not_a_vote, silence_agrees):
            question = poll["questions"][0]["id"]
            # 12 for (the chair among them), 5 against, 10 silent.
            for member in members[:12]:
                assert (await vote(member, poll["id"], question, "for")).status_code == 201
            for member in members[12:17]:
                assert (await vote(member, poll["id"], question, "against")).status_code == 201
            running = (await office.client.get(f"/api/polls/{poll['id']}")).json()
            assert running["state"] == "open"  # ten answers could still change it
            assert running["questions"][0]["counts"] == {
                "for": 12,
                "against": 5,
                "abstain": 0,
                "answered": 17,
                "silent": 10,
            }
            await past_deadline(db, poll["id"])
            # Reading an overdue poll decides nothing: it shows as closing until the sweep.
            overdue = (await office.client.get(f"/api/polls/{poll['id']}")).json()
            assert (overdue["state"], overdue["closing"]) == ("open", True)
            page = await office.client.get(f"/polls/{poll['id']}")
            assert "kết quả đang được kiểm" in page.text
            async with db.read() as session:
                assert (await session.get(Poll, poll["id"])).state == "open"  # type: ignore[union-attr]
        assert (await sweep_once(db, settings)).polls_closed == 2
        office.client.cookies.set("ecab_lang", "en")
        first = (await office.client.get(f"/api/polls/{silence_not_a_vote['id']}")).json()
        second = (await office.client.get(f"/api/polls/{silence_agrees['id']}")).json()
    assert first["rules"]["poll_silence"] == "not_a_vote"
    assert second["rules"]["poll_silence"] == "agree"
    # Government rules: more than half of ALL 27 members, so 14 votes for are needed.
    outcome = first["questions"][0]["outcome"]
    assert (first["state"], outcome["passed"], outcome["rule"]) == (
        "closed",
        False,
        "not_enough_for",
    )
    assert (outcome["for"], outcome["needed"], outcome["base"], outcome["silent"]) == (
        12,
        14,
        27,
        10,
    )
    assert outcome["sentence"] == (
        "Not adopted: 12 of 27 voted for, and 14 were needed (more than half)."
    )
    outcome = second["questions"][0]["outcome"]
    assert (outcome["passed"], outcome["rule"], outcome["for"], outcome["silent"]) == (
        True,
        "majority_for_with_silence_as_agreement",
        22,
        10,
    )
    assert outcome["early"] is False
    assert (await last_event(db, "poll.decided")).data["early"] is False


async def test_a_poll_is_decided_as_soon_as_the_result_cannot_change(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    body_id = seats["member"].body_id
    ministers = await add_members(db, settings, body_id, 3)
    async with signed_in(
        client, settings, [seats["secretariat"], seats["chair"], seats["member"], *ministers]
    ) as people:
        office, chair, members = people[0], people[1], people[1:]
        poll = await draft(office, body_id, questions=["Câu hỏi 1?", "Câu hỏi 2?"])
        await chair.client.post(f"/api/polls/{poll['id']}/send", json={})
        first, second = (q["id"] for q in poll["questions"])
        # 5 members: 3 votes for are needed. Question 2 is settled first, but the poll
        # closes only when question 1 is settled too.
        for member in members[:3]:
            await vote(member, poll["id"], second, "for")
        assert (await office.client.get(f"/api/polls/{poll['id']}")).json()["state"] == "open"
        for member in members[:2]:
            await vote(member, poll["id"], first, "against")
        await vote(members[2], poll["id"], first, "against")  # 3 against: 3 for impossible
        view = (await office.client.get(f"/api/polls/{poll['id']}")).json()
        assert view["state"] == "closed"
        assert [q["outcome"]["passed"] for q in view["questions"]] == [False, True]
        assert all(q["outcome"]["early"] for q in view["questions"])
        late = await members[3].client.post(
            f"/api/polls/{poll['id']}/ballots/options", json={"question": first, "choice": "for"}
        )
        assert late.status_code == 409
        assert (await last_event(db)).kind == "refused.poll-not-open"


async def test_ballot_refusals_on_a_written_poll_are_precise_and_audited(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    body_id = seats["member"].body_id
    ministers = await add_members(db, settings, body_id, 2)
    async with signed_in(
        client, settings, [seats["secretariat"], seats["chair"], seats["member"], *ministers]
    ) as people:
        office, chair, member, minister, other = people
        poll = await draft(office, body_id)
        await chair.client.post(f"/api/polls/{poll['id']}/send", json={})
        question = poll["questions"][0]["id"]
        member.client.cookies.set("ecab_lang", "en")
        # A payload that differs from the one the passkey signed.
        issued = (
            await member.client.post(
                f"/api/polls/{poll['id']}/ballots/options",
                json={"question": question, "choice": "for"},
            )
        ).json()
        signed = member.device.assert_(issued["publicKey"])
        forged = await member.client.post(
            f"/api/polls/{poll['id']}/ballots",
            json={"payload": {**issued["payload"], "choice": "against"}, "credential": signed},
        )
        assert forged.status_code == 403
        assert forged.json()["detail"] == (
            "The ballot differs from the one your passkey signed; nothing was recorded."
        )
        assert (await last_event(db)).kind == "refused.ballot"
        # A ballot for another member: the minister's session sends the member's ballot,
        # signed with the minister's own passkey.
        issued = (
            await member.client.post(
                f"/api/polls/{poll['id']}/ballots/options",
                json={"question": question, "choice": "for"},
            )
        ).json()
        challenge = base64.urlsafe_b64decode(issued["publicKey"]["challenge"] + "==")
        theirs = await minister.client.post(
            f"/api/polls/{poll['id']}/ballots",
            json={
                "payload": issued["payload"],
                "credential": minister.device.assert_challenge(challenge),
            },
        )
        assert theirs.status_code == 403
        refusal = await last_event(db)
        assert refusal.kind in {"refused.ballot", "refused.challenge"}
        assert refusal.actor_id == minister.seat.person_id
        # Someone seated after the poll was sent was not asked.
        late_seat = (await add_members(db, settings, body_id, 1, first=90))[0]
        async with signed_in(client, settings, [late_seat]) as (newcomer,):
            refused = await newcomer.client.post(
                f"/api/polls/{poll['id']}/ballots/options",
                json={"question": question, "choice": "for"},
            )
            assert refused.status_code == 403
        # A ballot on a closed poll.
        issued = (
            await other.client.post(
                f"/api/polls/{poll['id']}/ballots/options",
                json={"question": question, "choice": "for"},
            )
        ).json()
        await past_deadline(db, poll["id"])
        await sweep_once(db, settings)
        assert (await office.client.get(f"/api/polls/{poll['id']}")).json()["state"] == "closed"
        closed = await other.client.post(
            f"/api/polls/{poll['id']}/ballots",
            json={
                "payload": issued["payload"],
                "credential": other.device.assert_(issued["publicKey"]),
            },
        )
        assert closed.status_code == 409
        assert (await last_event(db)).kind == "refused.poll-not-open"
    async with db.read() as session:
        assert (await session.exec(select(Poll))).one().state == "closed"


async def test_reminders_and_the_result_notice(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    body_id = seats["member"].body_id
    async with signed_in(
        client, settings, [seats["secretariat"], seats["chair"], seats["member"]]
    ) as people:
        office, chair, member = people
        poll = await draft(office, body_id, description="Tờ trình số 12/TTr-BTP.")
        question = poll["questions"][0]["id"]
        await chair.client.post(f"/api/polls/{poll['id']}/send", json={})
        assert (await office.client.get(f"/api/polls/{poll['id']}/notice.pdf")).status_code == 409
        await vote(chair, poll["id"], question, "for")
        reminded = await office.client.post(f"/api/polls/{poll['id']}/reminders", json={})
        assert reminded.json() == {"notified": 1}
        notes = (await member.client.get("/api/me/notifications")).json()["notifications"]
        assert notes[0]["kind"] == "poll.reminder"
        deadline = (await office.client.get(f"/api/polls/{poll['id']}")).json()["deadline"]
        with clock.frozen_at(datetime.fromisoformat(deadline) + timedelta(minutes=1)):
            assert (await sweep_once(db, settings)).polls_closed == 1
        pdf = await member.client.get(f"/api/polls/{poll['id']}/notice.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = pdf_text(pdf.content)
    assert "Người chair" in text and "Người member" in text
    assert "Tờ trình số 12/TTr-BTP." in text


async def test_a_written_poll_freezes_its_attached_texts_while_it_is_open(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    body_id = seats["member"].body_id
    _meeting, items = await make_meeting(db, body_id, items=1)
    async with signed_in(
        client, settings, [seats["secretariat"], seats["chair"], seats["member"]]
    ) as people:
        office, chair, member = people
        headers = await csrf_header(office.client)
        text = make_pdf(text="Du thao Nghi quyet")
        added = await office.client.post(
            f"/api/items/{items[0]}/documents",
            headers=headers,
            files={"file": ("du-thao.pdf", text, "application/pdf")},
            data={"title": "Dự thảo Nghị quyết", "classification": "internal"},
        )
        assert added.status_code == 201, added.text
        document = added.json()["document"]["id"]
        poll = await draft(office, body_id, documents=[document])
        # Before the poll is sent the draft may still change; sending freezes it.
        revised = await office.client.post(
            f"/api/documents/{document}/versions",
            headers=headers,
            files={"file": ("du-thao.pdf", make_pdf(text="Lan 2"), "application/pdf")},
            data={"note": "Sửa Điều 2"},
        )
        assert revised.status_code == 201, revised.text
        await chair.client.post(f"/api/polls/{poll['id']}/send", json={})
        issued = await member.client.post(
            f"/api/polls/{poll['id']}/ballots/options",
            json={"question": poll["questions"][0]["id"], "choice": "for"},
        )
        assert issued.json()["payload"]["texts"] == [
            {
                "document": document,
                "title": "Dự thảo Nghị quyết",
                "version": 2,
                "sha256": revised.json()["sha256"],
            }
        ]
        page = await member.client.get(f"/polls/{poll['id']}")
        assert f"{revised.json()['sha256'][:12]}" in page.text
        during = await office.client.post(
            f"/api/documents/{document}/versions",
            headers=headers,
            files={"file": ("du-thao.pdf", make_pdf(text="Lan 3"), "application/pdf")},
            data={"note": "Sửa Điều 3"},
        )
        assert during.status_code == 409
        assert during.json()["type"] == "urn:ecabinet:problem:texts-frozen"
        assert (await last_event(db)).kind == "refused.texts-frozen"
