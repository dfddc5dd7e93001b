"""Ballots signed with passkeys: recorded with evidence that verifies offline, and every
refusal precise and audited."""

from __future__ import annotations

import json
from typing import Any

import httpx
from sqlalchemy import text
from sqlmodel import select

from ecabinet.ballots.evidence import BallotEvidence, verify_ballot_evidence
from ecabinet.db import Database
from ecabinet.models import AuditEvent, Ballot, Body
from ecabinet.settings import Settings
from ecabinet.softauthn import SoftAuthenticator
from ecabinet.vocab import RevotePolicy

from .support.factories import authenticator, enroll, seat_people
from .support.polls import open_poll


async def options(
    client: httpx.AsyncClient, poll: int, question: int, choice: str
) -> dict[str, Any]:
    """The ballot to sign and its passkey request, as the tablet asks for them."""
    issued = await client.post(
        f"/api/polls/{poll}/ballots/options", json={"question": question, "choice": choice}
    )
    assert issued.status_code == 200, issued.text
    answer: dict[str, Any] = issued.json()
    return answer


async def vote(
    client: httpx.AsyncClient, device: SoftAuthenticator, poll: int, question: int, choice: str
) -> tuple[dict, httpx.Response]:  # type: ignore[type-arg]
    body = await options(client, poll, question, choice)
    assertion = device.assert_(body["publicKey"])
    cast = await client.post(
        f"/api/polls/{poll}/ballots", json={"payload": body["payload"], "credential": assertion}
    )
    return body, cast


async def last_event(db: Database) -> AuditEvent:
    async with db.read() as session:
        return (await session.exec(select(AuditEvent).order_by(AuditEvent.seq.desc()))).first()  # type: ignore[attr-defined,return-value]


async def test_a_ballot_is_recorded_with_evidence_anyone_can_verify(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    device = authenticator(settings, "Ed25519")
    await enroll(client, seats["member"].token, device)
    poll, question = await open_poll(db, seats["member"].body_id)
    issued, cast = await vote(client, device, poll, question, "for")
    assert cast.status_code == 201, cast.text
    receipt = cast.json()["receipt"]
    assert len(receipt) == 64
    async with db.read() as session:
        ballot = (await session.exec(select(Ballot))).one()
    assert ballot.receipt == receipt and ballot.choice == "for"
    evidence = BallotEvidence(
        payload=json.loads(ballot.payload),
        authenticator_data=ballot.authenticator_data,
        client_data_json=ballot.client_data_json,
        signature=ballot.signature,
        public_key_spki_pem=ballot.public_key_spki_pem,
    )
    verify_ballot_evidence(evidence, expected_origin=settings.origin, expected_rp_id=settings.rp_id)
    assert evidence.payload == issued["payload"]
    event = await last_event(db)
    assert event.kind == "ballot.cast" and event.data["choice"] == "for"


async def test_the_same_signed_ballot_sent_again_gets_its_receipt_and_counts_once(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    """The tablet's answer was lost (a 502, a dropped connection): it sends the same
    signed ballot again and learns that it was recorded, instead of "already used"."""
    seats = await seat_people(db, settings)
    device = authenticator(settings)
    await enroll(client, seats["member"].token, device)
    poll, question = await open_poll(db, seats["member"].body_id)
    issued, first = await vote(client, device, poll, question, "for")
    assert first.status_code == 201
    again = await client.post(
        f"/api/polls/{poll}/ballots",
        json={"payload": issued["payload"], "credential": device.replay_last_assertion()},
    )
    assert again.status_code == 200, again.text
    assert again.json()["receipt"] == first.json()["receipt"] and again.json()["resent"]
    async with db.read() as session:
        assert len((await session.exec(select(Ballot))).all()) == 1
        casts = (
            await session.exec(select(AuditEvent).where(AuditEvent.kind == "ballot.cast"))
        ).all()
    assert len(casts) == 1


async def test_another_member_replaying_my_signed_ballot_is_refused(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    device = authenticator(settings)
    await enroll(client, seats["member"].token, device)
    poll, question = await open_poll(db, seats["member"].body_id)
    issued, _ = await vote(client, device, poll, question, "for")
    transport = httpx.ASGITransport(app=client._transport.app)  # type: ignore[attr-defined]
    async with httpx.AsyncClient(transport=transport, base_url=str(client.base_url)) as other:
        await enroll(other, seats["chair"].token, authenticator(settings))
        again = await other.post(
            f"/api/polls/{poll}/ballots",
            json={"payload": issued["payload"], "credential": device.replay_last_assertion()},
        )
    assert again.status_code == 403
    assert (await last_event(db)).kind == "refused.challenge"


async def test_a_replaced_ballot_sent_again_is_refused_and_the_later_one_counts(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    device = authenticator(settings)
    await enroll(client, seats["member"].token, device)
    poll, question = await open_poll(db, seats["member"].body_id)
    first_issued, _ = await vote(client, device, poll, question, "for")
    first_signed = device.replay_last_assertion()
    _, changed = await vote(client, device, poll, question, "against")
    assert changed.status_code == 201, changed.text
    again = await client.post(
        f"/api/polls/{poll}/ballots",
        json={"payload": first_issued["payload"], "credential": first_signed},
    )
    assert again.status_code == 409
    assert again.json()["type"].endswith("ballot-replaced")
    async with db.read() as session:
        current = (await session.exec(select(Ballot).where(Ballot.superseded_by_id == None))).all()  # noqa: E711
    assert [b.choice for b in current] == ["against"]


async def test_a_payload_that_differs_from_the_signed_one_is_refused(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    device = authenticator(settings)
    await enroll(client, seats["member"].token, device)
    poll, question = await open_poll(db, seats["member"].body_id)
    issued = await options(client, poll, question, "for")
    assertion = device.assert_(issued["publicKey"])
    forged = {**issued["payload"], "choice": "against"}
    response = await client.post(
        f"/api/polls/{poll}/ballots", json={"payload": forged, "credential": assertion}
    )
    assert response.status_code == 403
    assert (await last_event(db)).kind == "refused.ballot"
    async with db.read() as session:
        assert (await session.exec(select(Ballot))).all() == []


async def test_a_payload_naming_another_kind_of_poll_is_refused(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    """The kind of poll chooses the lock a cast takes before the poll is read
    (actions/ballots.py): a payload that names another kind is refused at once."""
    seats = await seat_people(db, settings)
    device = authenticator(settings)
    await enroll(client, seats["member"].token, device)
    poll, question = await open_poll(db, seats["member"].body_id)
    issued = await options(client, poll, question, "for")
    forged = {**issued["payload"], "pollKind": "live"}
    client.cookies.set("ecab_lang", "en")
    response = await client.post(
        f"/api/polls/{poll}/ballots",
        json={"payload": forged, "credential": device.assert_(issued["publicKey"])},
    )
    assert response.status_code == 403
    assert "issued for another member or another poll" in response.json()["detail"]
    assert (await last_event(db)).kind == "refused.ballot"
    async with db.read() as session:
        assert (await session.exec(select(Ballot))).all() == []


async def test_a_second_ballot_signed_before_the_first_counted_is_refused_where_one_vote_is_allowed(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    """Both ballots asked for before either was cast: the second finds the seat's ballot
    when it is written, and is refused as a change of vote."""
    seats = await seat_people(db, settings)
    async with db.transaction() as tx:
        body = await tx.session.get(Body, seats["member"].body_id)
        assert body is not None
        body.revote_policy = RevotePolicy.ONCE.value
        tx.session.add(body)
    device = authenticator(settings)
    await enroll(client, seats["member"].token, device)
    poll, question = await open_poll(db, seats["member"].body_id)
    signed = []
    for choice in ("for", "against"):
        issued = await options(client, poll, question, choice)
        signed.append(
            {"payload": issued["payload"], "credential": device.assert_(issued["publicKey"])}
        )
    first = await client.post(f"/api/polls/{poll}/ballots", json=signed[0])
    assert first.status_code == 201, first.text
    client.cookies.set("ecab_lang", "en")
    second = await client.post(f"/api/polls/{poll}/ballots", json=signed[1])
    assert second.status_code == 403
    assert "does not allow changing a vote" in second.json()["detail"]
    assert (await last_event(db)).kind == "refused.ballot"
    async with db.read() as session:
        rows = (await session.exec(select(Ballot))).all()
    assert [(r.choice, r.superseded_by_id) for r in rows] == [("for", None)]


async def test_a_ballot_for_another_member_is_refused(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    chair_device, member_device = authenticator(settings), authenticator(settings)
    chair = httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url))
    await enroll(chair, seats["chair"].token, chair_device)
    await enroll(client, seats["member"].token, member_device)
    poll, question = await open_poll(db, seats["member"].body_id)
    chair_issued = await options(chair, poll, question, "against")
    # The member's session submits the chair's ballot, signed with the member's passkey.
    assertion = member_device.assert_challenge(
        __import__("base64").urlsafe_b64decode(chair_issued["publicKey"]["challenge"] + "==")
    )
    response = await client.post(
        f"/api/polls/{poll}/ballots",
        json={"payload": chair_issued["payload"], "credential": assertion},
    )
    assert response.status_code == 403
    assert (await last_event(db)).kind in {"refused.ballot", "refused.challenge"}
    await chair.aclose()


async def test_a_ballot_on_a_closed_poll_is_refused(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    device = authenticator(settings)
    await enroll(client, seats["member"].token, device)
    poll, question = await open_poll(db, seats["member"].body_id)
    issued = await options(client, poll, question, "for")
    async with db.engine.begin() as connection:
        await connection.execute(text("UPDATE poll SET state = 'closed'"))
    response = await client.post(
        f"/api/polls/{poll}/ballots",
        json={"payload": issued["payload"], "credential": device.assert_(issued["publicKey"])},
    )
    assert response.status_code == 409
    assert "không còn mở" in response.json()["detail"] or "not open" in response.json()["detail"]
    assert (await last_event(db)).kind == "refused.poll-not-open"


async def test_observers_and_secretariat_cannot_vote(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    poll, question = await open_poll(db, seats["member"].body_id)
    for role in ("observer", "secretariat"):
        client.cookies.clear()
        await enroll(client, seats[role].token, authenticator(settings))
        response = await client.post(
            f"/api/polls/{poll}/ballots/options", json={"question": question, "choice": "for"}
        )
        assert response.status_code == 403, role


async def test_a_changed_vote_supersedes_and_keeps_the_first(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    device = authenticator(settings)
    await enroll(client, seats["member"].token, device)
    poll, question = await open_poll(db, seats["member"].body_id, secret=True)
    await vote(client, device, poll, question, "for")
    _, second = await vote(client, device, poll, question, "against")
    assert second.status_code == 201
    async with db.read() as session:
        rows = (await session.exec(select(Ballot).order_by(Ballot.id))).all()  # type: ignore[arg-type]
    assert [r.choice for r in rows] == ["for", "against"]
    assert rows[0].superseded_by_id == rows[1].id and rows[1].superseded_by_id is None
    assert (await last_event(db)).data["choice"] is None  # secret: the log says who, not how
