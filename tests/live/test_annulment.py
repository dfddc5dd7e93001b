"""Annulling a live vote: the chair annuls an open or just-closed vote with a reason, its
ballots stay stored but no longer count, a ballot sent afterwards is refused with the
reason, and a re-run asks the same question again."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import select

from ecabinet.actions.minutes_drafts import make_drafts
from ecabinet.db import Database
from ecabinet.i18n import gettext_for
from ecabinet.minutes import evidence
from ecabinet.minutes.ca import prepare_demo_signing
from ecabinet.minutes.collect import collect
from ecabinet.minutes.findings import Report
from ecabinet.minutes.record import MinutesRecord
from ecabinet.minutes.recount import check_evidence
from ecabinet.minutes.render import CHAIR_FIELD, SECRETARY_FIELD
from ecabinet.minutes.sign import sign_pdf
from ecabinet.minutes.verify import load_trust_roots, verify_pdf
from ecabinet.models import AuditEvent, Ballot, Minutes
from ecabinet.settings import Settings
from ecabinet.vocab import ItemStatus, MinutesState

from ..support.live import Session, Tablet, audit_kinds, make_session, post, tablet


async def _voting(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    made: list[Tablet],
    *,
    secret: bool = False,
    debated: ItemStatus = ItemStatus.CONTESTED,
) -> tuple[Session, Tablet, Tablet, dict[str, Any]]:
    """A session on its first item for debate (``debated``), with the chair and a member
    checked in and a vote open on it."""
    live = await make_session(
        db, settings, extra_members=1, secret_ballot_allowed=secret, debated=debated
    )
    chair, member = [
        await tablet(client._transport, str(client.base_url), settings, live.seats[role])
        for role in ("chair", "member")
    ]
    made += [chair, member]
    await post(chair, f"/api/meetings/{live.meeting_id}/session/open", {"confirm": True})
    for one in (chair, member):
        assert (await one.check_in(live.meeting_id)).status_code == 200
    await post(chair, f"/api/meetings/{live.meeting_id}/consent-block/adopt")
    await post(chair, f"/api/meetings/{live.meeting_id}/session/next")
    asked = {"question": "Thông qua?", "secret": secret}
    poll = await post(chair, f"/api/items/{live.items[1]}/polls", asked)
    return live, chair, member, poll


REASON = "Hệ thống đếm phiếu bị lỗi"


async def _annul(chair: Tablet, poll: dict[str, Any], reason: str = REASON) -> httpx.Response:
    return await chair.client.post(f"/api/polls/{poll['id']}/annul", json={"reason": reason})


async def test_a_ballot_on_an_annulled_vote_is_refused_with_the_reason(
    client: httpx.AsyncClient, db: Database, settings: Settings, tablets: list[Tablet]
) -> None:
    _, chair, member, poll = await _voting(client, db, settings, tablets)
    _, signed = await member.ballot(poll, "for")  # signed while the vote was open
    annulled = await _annul(chair, poll)
    assert annulled.status_code == 200, annulled.text
    assert annulled.json()["state"] == "annulled" and annulled.json()["annul_reason"] == REASON

    late = await member.client.post(f"/api/polls/{poll['id']}/ballots", json=signed)
    assert late.status_code == 409
    assert late.json()["type"] == "urn:ecabinet:problem:poll-annulled"
    assert late.json()["detail"] == f"This vote was annulled by the chair: {REASON}"
    asked = await chair.options(poll, "for")
    assert asked.status_code == 409
    assert asked.json()["detail"] == f"This vote was annulled by the chair: {REASON}"
    assert (await audit_kinds(db, "refused."))[-1] == "refused.poll-annulled"


async def test_an_annulled_vote_stops_counting_its_item_reopens_and_a_rerun_asks_again(
    client: httpx.AsyncClient, db: Database, settings: Settings, tablets: list[Tablet]
) -> None:
    live, chair, member, poll = await _voting(client, db, settings, tablets)
    assert (await member.vote(poll, "for")).status_code == 201
    assert (await chair.vote(poll, "for")).status_code == 201
    await post(chair, f"/api/polls/{poll['id']}/close")
    before = await member.snapshot(live.meeting_id)
    assert before["agenda"][1]["status"] == "adopted" and len(before["results"]) == 1

    assert (await _annul(chair, poll, "  Hai thành viên   bấm nhầm nút ")).status_code == 200
    after = await member.snapshot(live.meeting_id)
    assert after["agenda"][1]["status"] == "contested"  # decided again by the re-run
    assert after["results"] == [] and after["poll"] is None
    [shown] = after["annulled"]
    assert shown["reason"] == "Hai thành viên bấm nhầm nút"
    assert shown["by"] == "Người chair" and shown["rerun"] is None
    display = (await member.client.get(f"/api/meetings/{live.meeting_id}/display")).json()
    assert display["annulled"][0]["reason"] == "Hai thành viên bấm nhầm nút"
    async with db.read() as reading:
        kept = (await reading.exec(select(Ballot).where(Ballot.poll_id == poll["id"]))).all()
        [record] = (
            await reading.exec(select(AuditEvent).where(AuditEvent.kind == "vote.annulled"))
        ).all()
    assert len(kept) == 2  # the evidence stays
    assert record.actor_id == live.seats["chair"].person_id
    assert record.data["reason"] == "Hai thành viên bấm nhầm nút" and record.data["was"] == "closed"
    assert record.data["receipts"] == sorted([*member.receipts[:1], *chair.receipts[:1]])

    again = await post(chair, f"/api/polls/{poll['id']}/rerun")
    assert again["rerun_of"] == poll["id"] and again["id"] != poll["id"]
    assert (again["question"], again["options"]) == (poll["question"], poll["options"])
    twice = await chair.client.post(f"/api/polls/{poll['id']}/rerun", json={})
    assert twice.status_code == 409
    assert twice.json()["detail"] == f"This vote was already re-run (vote number {again['id']})."
    shown = (await member.snapshot(live.meeting_id))["annulled"][0]
    assert shown["rerun"] == again["id"]
    assert (await member.vote(again, "against")).status_code == 201
    await post(chair, f"/api/polls/{again['id']}/close")
    final = await member.snapshot(live.meeting_id)
    [result] = final["results"]
    assert result["poll"] == again["id"] and result["outcome"]["against"] == 1
    assert final["agenda"][1]["status"] == "rejected"
    assert "vote.annulled" in await audit_kinds(db, "vote.")
    async with db.read() as reading:
        opened = (
            await reading.exec(select(AuditEvent).where(AuditEvent.kind == "vote.opened"))
        ).all()
    assert opened[-1].data["rerun_of"] == poll["id"]


@pytest.mark.parametrize("before", [ItemStatus.PENDING, ItemStatus.CONTESTED])
async def test_an_annulled_vote_returns_its_item_to_the_status_it_had_before_the_vote(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    tablets: list[Tablet],
    before: ItemStatus,
) -> None:
    """An item never triaged (pending) goes back to pending, not to "contested"."""
    live, chair, member, poll = await _voting(client, db, settings, tablets, debated=before)
    for one in (member, chair):
        assert (await one.vote(poll, "for")).status_code == 201
    await post(chair, f"/api/polls/{poll['id']}/close")
    assert (await member.snapshot(live.meeting_id))["agenda"][1]["status"] == "adopted"
    assert (await _annul(chair, poll)).status_code == 200
    assert (await member.snapshot(live.meeting_id))["agenda"][1]["status"] == before.value


async def test_only_the_chair_annuls_with_a_reason_once_while_the_session_sits(
    client: httpx.AsyncClient, db: Database, settings: Settings, tablets: list[Tablet]
) -> None:
    live, chair, member, poll = await _voting(client, db, settings, tablets)
    refused = await _annul(member, poll)
    assert refused.status_code == 403
    assert refused.json()["detail"] == (
        "Only the chair, or the secretariat on the chair's behalf, runs the session."
    )
    assert (await audit_kinds(db, "refused."))[-1] == "refused.forbidden"
    blank = await _annul(chair, poll, "   ")
    assert blank.status_code == 422
    assert blank.json()["detail"].startswith("Give the reason for annulling the vote")
    not_yet = await chair.client.post(f"/api/polls/{poll['id']}/rerun", json={})
    assert not_yet.status_code == 409
    assert not_yet.json()["detail"] == "Only an annulled vote can be re-run; this one is open."

    assert (await _annul(chair, poll)).status_code == 200  # while it is open
    twice = await _annul(chair, poll, "Lần nữa")
    assert twice.status_code == 409
    assert twice.json()["type"] == "urn:ecabinet:problem:already-annulled"
    assert twice.json()["detail"] == f"This vote was already annulled: {REASON}"

    # A vote on an item the session has moved on from stays as decided.
    again = await post(chair, f"/api/polls/{poll['id']}/rerun")
    await post(chair, f"/api/polls/{again['id']}/close")
    await post(chair, f"/api/meetings/{live.meeting_id}/session/next")
    moved = await _annul(chair, again)
    assert moved.status_code == 409
    assert moved.json()["detail"] == (
        "Only a vote on the item being taken can be annulled; the session has moved on."
    )
    await post(chair, f"/api/meetings/{live.meeting_id}/session/close")
    closed = await _annul(chair, again)
    assert closed.status_code == 409
    assert closed.json()["type"] == "urn:ecabinet:problem:session-closed"
    async with db.transaction() as tx:
        tx.session.add(Minutes(meeting_id=live.meeting_id, state=MinutesState.APPROVED.value))
    approved = await _annul(chair, again)
    assert approved.status_code == 409
    assert approved.json()["detail"] == (
        "The minutes of this meeting are already approved; a vote in them can no longer be "
        "annulled."
    )
    assert (await audit_kinds(db, "vote.annulled")) == ["vote.annulled"]


async def _annulled_and_rerun(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    made: list[Tablet],
    *,
    secret: bool = False,
) -> tuple[Session, dict[str, Any], dict[str, Any], MinutesRecord]:
    """A closed session whose vote was closed, annulled and re-run; its minutes' record."""
    live, chair, member, poll = await _voting(client, db, settings, made, secret=secret)
    for one, choice in ((member, "for"), (chair, "for")):
        assert (await one.vote(poll, choice)).status_code == 201
    await post(chair, f"/api/polls/{poll['id']}/close")
    assert (await _annul(chair, poll)).status_code == 200
    again = await post(chair, f"/api/polls/{poll['id']}/rerun")
    for one in (member, chair):
        assert (await one.vote(again, "against")).status_code == 201
    await post(chair, f"/api/polls/{again['id']}/close")
    await post(chair, f"/api/meetings/{live.meeting_id}/session/close")
    async with db.read() as reading:
        record = await collect(reading, settings, live.meeting_id)
    return live, poll, again, record


def _pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "minutes.pdf"
    path.write_bytes(pdf)
    run = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    )
    return " ".join(run.stdout.split())


def _recount(proof: dict[str, Any]) -> list[str]:
    report = Report("minutes.pdf", "")
    check_evidence(report, evidence.to_bytes(proof))
    return [p.text(gettext_for("en")) for p in report.problems] or [
        f.text(gettext_for("en")) for s in report.sections for f in s.findings
    ]


async def test_the_minutes_list_the_annulled_vote_its_ballots_not_counted_then_the_rerun(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    tablets: list[Tablet],
    tmp_path: Path,
) -> None:
    _, poll, _, record = await _annulled_and_rerun(client, db, settings, tablets)
    [item] = [i for i in record.debated_items if i.votes]
    first, rerun = item.votes
    assert first.poll_id == poll["id"] and first.annulled is not None
    assert (first.annulled.by, first.annulled.reason) == ("Người chair", REASON)
    assert len(first.ballots) == 2 and rerun.rerun_of == poll["id"] and rerun.annulled is None
    assert item.status == "rejected"  # decided by the re-run alone

    text = _pdf_text(make_drafts(record, "en").minutes, tmp_path)
    annulled = text.index("Vote 1 (vote in the session, open ballot): ANNULLED")
    assert text.index("Annulled by Người chair at", annulled) < text.index(
        f"Reason: {REASON}", annulled
    )
    assert "Its 2 ballots are kept as evidence and NOT counted" in text
    assert text.count("For (not counted)") == 2
    assert text.index("Vote 2 (vote in the session, open ballot)") > annulled
    assert "This vote re-runs the annulled vote above." in text
    assert "2 of them were cast in annulled votes: they are verified and not counted." in text


async def test_the_verifier_accepts_signed_minutes_with_an_annulled_vote(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    tablets: list[Tablet],
    tmp_path: Path,
) -> None:
    _, _, _, record = await _annulled_and_rerun(client, db, settings, tablets)
    signing = prepare_demo_signing(
        tmp_path / "signing", secretary_name="Thư ký", chair_name="Chủ tọa", organization="CP"
    )
    draft = make_drafts(record, "vi").minutes
    once = await sign_pdf(draft, field=SECRETARY_FIELD, key=signing.secretary)
    pdf = await sign_pdf(once, field=CHAIR_FIELD, key=signing.chair)
    report = await verify_pdf(pdf, trust_roots=load_trust_roots([signing.ca_certificate]))
    [ballots] = [s for s in report.sections if s.title == "Ballot evidence"]
    assert ballots.ok, [f.text(gettext_for("en")) for f in ballots.findings]
    said = [f.text(gettext_for("en")) for f in ballots.findings]
    assert any("was annulled by Người chair" in f for f in said), said
    # What is left is the chair's passkey approval and the key register, which this
    # signing-only test does not make (test_minutes_tamper.py checks them).
    assert not [p for p in report.problems if "Vote" in p.message or "ballot" in p.message]


async def test_the_recount_verifies_annulled_ballots_without_counting_them(
    client: httpx.AsyncClient, db: Database, settings: Settings, tablets: list[Tablet]
) -> None:
    _, poll, _, record = await _annulled_and_rerun(client, db, settings, tablets)
    proof = evidence.evidence_of(record)
    first, second = proof["votes"]
    assert first["annulled"]["reason"] == REASON and first["outcome"] is None
    assert second["rerunOf"] == poll["id"] and second["outcome"]["against"] == 2
    found = _recount(proof)
    assert any(
        f.startswith("Vote 1 (Thông qua?) was annulled by Người chair on ")
        and f.endswith(f": {REASON}. Its 2 ballots verify and are not counted.")
        for f in found
    ), found
    assert any(f.startswith("Vote 2 (Thông qua?): all 2 ballots verify") for f in found), found

    dropped = json.loads(json.dumps(proof))
    del dropped["votes"][0]["annulled"]
    dropped["votes"][0]["outcome"] = record.votes[0].outcome  # as announced at the close
    assert (
        f"Vote 2 re-runs vote {poll['id']}, but the minutes do not record that vote as "
        "annulled: an annulment was dropped."
    ) in _recount(dropped)
    assert (
        "Votes 1 and 2 on the same item both count: one of them must be recorded as annulled."
    ) in _recount(dropped)

    counted = json.loads(json.dumps(proof))
    counted["votes"][0]["outcome"] = second["outcome"]
    assert _recount(counted) == [
        "Vote 1 was annulled, yet the minutes count its ballots into an outcome."
    ]
    moved = json.loads(json.dumps(proof))
    moved["votes"][1]["ballots"].append(moved["votes"][0]["ballots"][0])
    assert any("the ballot was cast in another vote" in f for f in _recount(moved))

    forged = json.loads(json.dumps(proof))
    forged["votes"][0]["ballots"][0]["payload"]["choice"] = "against"
    assert any(
        f.startswith("Vote 1, ballot") and "the ballot was altered" in f for f in _recount(forged)
    )


async def test_a_secret_annulled_vote_is_recounted_from_its_receipts_and_not_counted(
    client: httpx.AsyncClient, db: Database, settings: Settings, tablets: list[Tablet]
) -> None:
    _, poll, again, record = await _annulled_and_rerun(client, db, settings, tablets, secret=True)
    assert again["secret"] and again["rerun_of"] == poll["id"]
    proof = evidence.evidence_of(record)
    first, second = proof["votes"]
    assert second["voted"] and second["rerunOf"] == poll["id"]
    assert first["ballots"] == [] and len(first["secretBallots"]) == 2
    found = _recount(proof)
    assert any("Its 2 ballots verify and are not counted." in f for f in found), found
    assert any(f.startswith("Vote 2 is a secret ballot") for f in found), found

    lost = json.loads(json.dumps(proof))
    del lost["votes"][0]["secretBallots"][0]
    assert _recount(lost) == [
        "Vote 1 (secret ballot, annulled): its receipts and the members who voted do not match."
    ]
