"""One strict reading of clientDataJSON for the server and the offline verifier: the forms
py_webauthn accepts but the verifier rejects are refused when the passkey answers, at
sign-in and at ballot time, audited, and nothing is recorded."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from sqlmodel import func, select
from webauthn import verify_authentication_response

from ecabinet.ballots import client_data
from ecabinet.ballots.evidence import BallotEvidence, EvidenceError, verify_ballot_evidence
from ecabinet.db import Database
from ecabinet.models import AuditEvent, Ballot
from ecabinet.settings import Settings
from ecabinet.softauthn import ClientDataForm, b64url_decode

from .support.factories import authenticator, enroll, seat_people, sign_in
from .support.polls import open_poll

LENIENT: list[ClientDataForm] = ["cross-origin", "junk-challenge", "utf-16", "bom"]


async def _last(db: Database) -> AuditEvent:
    async with db.read() as session:
        return (await session.exec(select(AuditEvent).order_by(AuditEvent.seq.desc()))).first()  # type: ignore[attr-defined,return-value]


@pytest.mark.parametrize("form", LENIENT)
def test_py_webauthn_alone_accepts_the_lenient_forms(
    settings: Settings, form: ClientDataForm
) -> None:
    """The reason for the strict check: without it the server would take these."""
    device = authenticator(settings)
    options = {
        "challenge": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "rp": {"id": settings.rp_id, "name": "e-Cabinet"},
        "user": {"id": "dXNlcg", "name": "u", "displayName": "u"},
        "pubKeyCredParams": [{"type": "public-key", "alg": -7}],
    }
    registered = device.register(options)
    credential_id = b64url_decode(registered["id"])
    assertion = device.assert_(options, client_data_form=form)
    verify_authentication_response(
        credential=assertion,
        expected_challenge=bytes(32),
        expected_rp_id=settings.rp_id,
        expected_origin=settings.origin,
        credential_public_key=device.public_key_cose(credential_id),
        credential_current_sign_count=0,
        require_user_verification=True,
    )
    with pytest.raises(client_data.ClientDataError):
        client_data.check_client_data(
            b64url_decode(assertion["response"]["clientDataJSON"]),
            expected_type="webauthn.get",
            expected_challenge=bytes(32),
            expected_origin=settings.origin,
        )


@pytest.mark.parametrize("form", LENIENT)
async def test_lenient_client_data_is_refused_at_sign_in_and_ballot_time(
    client: httpx.AsyncClient, db: Database, settings: Settings, form: ClientDataForm
) -> None:
    seats = await seat_people(db, settings)
    device = authenticator(settings)
    assert (await enroll(client, seats["member"].token, device)).status_code == 201
    client.cookies.clear()

    refused = await sign_in(client, device, client_data_form=form)
    assert refused.status_code == 403, refused.text
    assert refused.json()["type"] == "urn:ecabinet:problem:client-data"
    event = await _last(db)
    assert event.kind == "refused.client-data" and event.data["purpose"] == "signin"
    assert (await client.get("/api/me")).status_code == 401

    assert (await sign_in(client, device)).status_code == 200
    poll, question = await open_poll(db, seats["member"].body_id)
    issued = (
        await client.post(
            f"/api/polls/{poll}/ballots/options", json={"question": question, "choice": "for"}
        )
    ).json()
    cast = await client.post(
        f"/api/polls/{poll}/ballots",
        json={
            "payload": issued["payload"],
            "credential": device.assert_(issued["publicKey"], client_data_form=form),
        },
    )
    assert cast.status_code == 403, cast.text
    assert cast.json()["type"] == "urn:ecabinet:problem:client-data"
    event = await _last(db)
    assert event.kind == "refused.client-data" and event.data["purpose"] == "ballot"
    async with db.read() as session:
        assert (await session.exec(select(func.count()).select_from(Ballot))).one() == 0


async def test_server_and_offline_verifier_call_the_same_function(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str] = []
    strict = client_data.check_client_data

    def recording(client_data_json: bytes, **expected: Any) -> dict[str, Any]:
        calls.append(json.loads(client_data_json)["type"])
        return strict(client_data_json, **expected)

    monkeypatch.setattr(client_data, "check_client_data", recording)
    seats = await seat_people(db, settings)
    device = authenticator(settings)
    await enroll(client, seats["member"].token, device)
    client.cookies.clear()
    assert (await sign_in(client, device)).status_code == 200
    assert calls == ["webauthn.get"]  # the server, at sign-in
    poll, question = await open_poll(db, seats["member"].body_id)
    issued = (
        await client.post(
            f"/api/polls/{poll}/ballots/options", json={"question": question, "choice": "for"}
        )
    ).json()
    cast = await client.post(
        f"/api/polls/{poll}/ballots",
        json={"payload": issued["payload"], "credential": device.assert_(issued["publicKey"])},
    )
    assert cast.status_code == 201 and len(calls) == 2  # the server, at ballot time
    async with db.read() as session:
        ballot = (await session.exec(select(Ballot))).one()
    evidence = BallotEvidence(
        payload=json.loads(ballot.payload),
        authenticator_data=ballot.authenticator_data,
        client_data_json=ballot.client_data_json,
        signature=ballot.signature,
        public_key_spki_pem=ballot.public_key_spki_pem,
    )
    verify_ballot_evidence(evidence, expected_origin=settings.origin, expected_rp_id=settings.rp_id)
    assert len(calls) == 3  # the offline verifier, through the same function

    def refusing(client_data_json: bytes, **expected: Any) -> dict[str, Any]:
        raise client_data.ClientDataError("refused by the shared check")

    monkeypatch.setattr(client_data, "check_client_data", refusing)
    with pytest.raises(EvidenceError, match="refused by the shared check"):
        verify_ballot_evidence(
            evidence, expected_origin=settings.origin, expected_rp_id=settings.rp_id
        )
    client.cookies.clear()
    refused = await sign_in(client, device)
    assert refused.status_code == 403 and "refused by the shared check" in refused.text
