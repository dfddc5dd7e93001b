"""From a closed session to signed minutes through the real HTTP API: the secretariat edits
the notes and renders the draft, the chair approves it with a passkey over the PDF's hash,
the secretary and then the chair sign, and the result verifies, approval included. Every
step out of turn is refused, and the audit log records each one."""

from __future__ import annotations

import base64
import hashlib
import io
import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from sqlmodel import select

from ecabinet.db import Database
from ecabinet.minutes import pdfdoc
from ecabinet.minutes.ca import DemoSigning, prepare_demo_signing
from ecabinet.minutes.evidence import APPROVAL_FILE_NAME
from ecabinet.minutes.register_pdf import read_register
from ecabinet.minutes.verify import load_trust_roots, verify_pdf
from ecabinet.models import (
    AgendaItem,
    AuditEvent,
    Minutes,
    PasskeyCredential,
    PasskeyQuarantine,
    utcnow,
)
from ecabinet.operations.anchors import anchor_minutes_heads, anchor_path
from ecabinet.settings import Settings

from .support.deliberation import pdf_text
from .support.live import audit_kinds
from .support.minutes import ClosedSession, build_closed_session
from .support.minutes_signing import person_client, sign_step


@pytest.fixture
def signing(tmp_path: Path) -> DemoSigning:
    return prepare_demo_signing(
        tmp_path / "signing",
        secretary_name="Nghiêm Thị Hồng Vân",
        chair_name="Trần Quốc Khải",
        organization="Chính phủ",
    )


@pytest.fixture
def settings(settings: Settings, signing: DemoSigning) -> Settings:
    return replace(
        settings,
        minutes_secretary_key=str(signing.secretary.key_file),
        minutes_secretary_passphrase_file=str(signing.secretary.passphrase_file),
        minutes_chair_key=str(signing.chair.key_file),
        minutes_chair_passphrase_file=str(signing.chair.passphrase_file),
        minutes_trust_roots=str(signing.ca_certificate),
    )


@pytest.fixture
async def session(db: Database, settings: Settings) -> ClosedSession:
    return await build_closed_session(db, settings)


async def test_notes_draft_approval_and_both_signatures(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    session: ClosedSession,
    signing: DemoSigning,
) -> None:
    secretary = await person_client(client, session, session.secretary_person_id)
    chair = await person_client(client, session, session.chair_person_id)
    meeting = session.meeting_id
    async with db.read() as read:
        item = (
            await read.exec(
                select(AgendaItem).where(AgendaItem.meeting_id == meeting, AgendaItem.ordinal == 5)
            )
        ).one()

    edited = await secretary.put(
        f"/api/items/{item.id}/record",
        json={
            "discussionNotes": "Các thành viên thống nhất cần sửa Điều 3.",
            "conclusion": "Giao Bộ Thông tin và Truyền thông hoàn thiện hồ sơ.",
        },
    )
    assert edited.status_code == 200, edited.text
    task = await secretary.post(
        f"/api/items/{item.id}/tasks",
        json={
            "agency": "Bộ Thông tin và Truyền thông",
            "deadline": "2030-10-15T17:00",
            "text": "Hoàn thiện hồ sơ dự án Luật, trình Thủ tướng Chính phủ.",
        },
    )
    assert task.status_code == 201, task.text
    drafted = await secretary.post(
        f"/api/meetings/{meeting}/minutes/draft", json={"language": "vi"}
    )
    assert drafted.status_code == 201, drafted.text
    draft_hash = drafted.json()["draftSha256"]
    ready = (await chair.get("/api/me/notifications")).json()["notifications"]
    assert [(n["kind"], n["link"]) for n in ready] == [
        ("minutes.ready", f"/meetings/{meeting}/minutes")
    ]

    # The chair's passkey signs SHA-256 of the draft PDF itself.
    options = (
        await chair.post(f"/api/meetings/{meeting}/minutes/approval/options", json={})
    ).json()
    challenge = base64.urlsafe_b64decode(options["challenge"] + "==")
    assert challenge.hex() == draft_hash
    device = session.devices[session.chair_person_id]
    approved = await chair.post(
        f"/api/meetings/{meeting}/minutes/approval", json={"credential": device.assert_(options)}
    )
    assert approved.status_code == 200, approved.text

    early = await sign_step(chair, session, session.chair_person_id, "chair")
    assert early.status_code == 409 and "Thư ký ký trước" in early.json()["detail"]
    signed_once = await sign_step(secretary, session, session.secretary_person_id, "secretary")
    assert signed_once.status_code == 201, signed_once.text
    signed = await sign_step(chair, session, session.chair_person_id, "chair")
    assert signed.status_code == 201, signed.text
    assert signed.json()["state"] == "signed"

    member = await person_client(client, session, _member_person(session))
    told = (await member.get("/api/me/notifications")).json()["notifications"]
    assert [n["kind"] for n in told] == ["minutes.signed"]
    pdf = await member.get(f"/meetings/{meeting}/minutes.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert hashlib.sha256(pdf.content).hexdigest() == signed.json()["signedSha256"]
    assert pdf.content.startswith(bytes.fromhex("")) and pdf.content[: len(b"%PDF")] == b"%PDF"

    roots = load_trust_roots([signing.ca_certificate])
    published = await member.get(f"/bodies/{session.body_id}/key-register.pdf")
    assert published.status_code == 200, published.text
    keys, note = await read_register(published.content, trust_roots=roots)
    report = await verify_pdf(pdf.content, trust_roots=roots, keys=keys, keys_note=note)
    assert report.ok, [f.message for f in report.problems]
    approval = [f for s in report.sections for f in s.findings if "approved exactly" in f.message]
    assert approval and approval[0].params["name"] == "Trần Quốc Khải"
    files = pdfdoc.embedded_files(PdfFileReader(io.BytesIO(pdf.content)))
    assert json.loads(files[APPROVAL_FILE_NAME])["draftSha256"] == draft_hash

    notice = await member.get(f"/meetings/{meeting}/notice.pdf")
    notice_report = await verify_pdf(notice.content, trust_roots=roots, keys=keys)
    assert notice_report.ok, [f.message for f in notice_report.problems]
    # The conclusion notice states the task it assigns (theo dõi nhiệm vụ).
    assert "Giao Bộ Thông tin và Truyền thông thực hiện" in " ".join(
        pdf_text(notice.content).split()
    )

    log = await audit_kinds(db)
    for kind in (
        "minutes.item_edited",
        "minutes.rendered",
        "minutes.approved",
        "minutes.signed",
        "minutes.downloaded",
        "keys.register_published",
    ):
        assert kind in log, kind
    assert log.count("minutes.signed") == 2
    locked = await secretary.put(f"/api/items/{item.id}/record", json={"conclusion": "Khác"})
    assert locked.status_code == 409
    for other in (secretary, chair, member):
        await other.aclose()

    # The sweeper anchors the head printed in the signed minutes, once.
    printed = json.loads(files["ecabinet-evidence.json"])["auditHead"]
    async with db.read() as read:
        (anchor,) = await anchor_minutes_heads(read, anchor_path(settings))
        assert await anchor_minutes_heads(read, anchor_path(settings)) == []
    assert (anchor.seq, anchor.hash) == (printed["seq"], printed["hash"])
    assert anchor.source.startswith("minutes:")


def _member_person(session: ClosedSession) -> int:
    people = [
        p
        for p in session.devices
        if p not in (session.chair_person_id, session.secretary_person_id)
    ]
    return people[3]


async def test_a_new_draft_withdraws_the_approval_and_a_stale_approval_is_refused(
    client: httpx.AsyncClient,
    db: Database,
    session: ClosedSession,
) -> None:
    secretary = await person_client(client, session, session.secretary_person_id)
    chair = await person_client(client, session, session.chair_person_id)
    meeting = session.meeting_id
    await secretary.post(f"/api/meetings/{meeting}/minutes/draft", json={})
    options = (
        await chair.post(f"/api/meetings/{meeting}/minutes/approval/options", json={})
    ).json()
    answer = session.devices[session.chair_person_id].assert_(options)
    # The secretariat renders again before the chair's answer arrives.
    await secretary.post(f"/api/meetings/{meeting}/minutes/draft", json={"language": "en"})
    stale = await chair.post(
        f"/api/meetings/{meeting}/minutes/approval", json={"credential": answer}
    )
    assert stale.status_code == 403 and "Dự thảo đã thay đổi" in stale.json()["detail"]
    assert (await audit_kinds(db))[-1] == "refused.minutes"
    async with db.read() as read:
        assert (await read.exec(select(Minutes))).one().state == "draft"
    for other in (secretary, chair):
        await other.aclose()


async def test_who_may_do_what(
    client: httpx.AsyncClient,
    db: Database,
    session: ClosedSession,
) -> None:
    member = await person_client(client, session, _member_person(session))
    secretary = await person_client(client, session, session.secretary_person_id)
    meeting = session.meeting_id
    assert (await member.post(f"/api/meetings/{meeting}/minutes/draft", json={})).status_code == 403
    await secretary.post(f"/api/meetings/{meeting}/minutes/draft", json={})
    # Until it is signed the draft is for the secretariat and the chair only.
    assert (await member.get(f"/meetings/{meeting}/minutes.pdf")).status_code == 403
    assert (await secretary.get(f"/meetings/{meeting}/minutes.pdf")).status_code == 200
    refused = await member.post(f"/api/meetings/{meeting}/minutes/approval/options", json={})
    assert refused.status_code == 403
    unapproved = await sign_step(secretary, session, session.secretary_person_id, "secretary")
    assert unapproved.status_code == 409 and "phê duyệt dự thảo" in unapproved.json()["detail"]
    assert (await client.get(f"/api/meetings/{meeting}/minutes")).status_code == 401
    for other in (member, secretary):
        await other.aclose()


async def approve_draft(chair: httpx.AsyncClient, session: ClosedSession) -> None:
    url = f"/api/meetings/{session.meeting_id}/minutes/approval"
    options = (await chair.post(f"{url}/options", json={})).json()
    approved = await chair.post(
        url, json={"credential": session.devices[session.chair_person_id].assert_(options)}
    )
    assert approved.status_code == 200, approved.text


async def test_signing_needs_the_signers_own_passkey_over_the_files(
    client: httpx.AsyncClient,
    db: Database,
    session: ClosedSession,
) -> None:
    secretary = await person_client(client, session, session.secretary_person_id)
    chair = await person_client(client, session, session.chair_person_id)
    meeting = session.meeting_id
    url = f"/api/meetings/{meeting}/minutes/signatures"
    await secretary.post(f"/api/meetings/{meeting}/minutes/draft", json={})
    await approve_draft(chair, session)

    # A session alone, even one confirmed a moment ago, never signs.
    bare = await secretary.post(url, json={"as": "secretary"})
    assert bare.status_code == 403
    assert "không đủ nếu chỉ đăng nhập" in bare.json()["detail"], bare.text
    assert (await audit_kinds(db))[-1] == "refused.minutes"

    # The chair's passkey cannot answer the secretary's signing request.
    options = (await secretary.post(f"{url}/options", json={"as": "secretary"})).json()
    challenge = base64.urlsafe_b64decode(options["challenge"] + "==")
    borrowed = session.devices[session.chair_person_id].assert_challenge(challenge)
    refused = await secretary.post(url, json={"as": "secretary", "credential": borrowed})
    assert refused.status_code == 403 and "người khác" in refused.json()["detail"]
    assert (await audit_kinds(db))[-1] == "refused.challenge"

    # The secretary's answer to a request made for earlier files does not sign new ones.
    options = (await secretary.post(f"{url}/options", json={"as": "secretary"})).json()
    stale = session.devices[session.secretary_person_id].assert_(options)
    await secretary.post(f"/api/meetings/{meeting}/minutes/draft", json={"language": "en"})
    await approve_draft(chair, session)
    late = await secretary.post(url, json={"as": "secretary", "credential": stale})
    assert late.status_code == 403, late.text
    assert "tài liệu khác" in late.json()["detail"], late.text
    assert (await audit_kinds(db))[-1] == "refused.minutes"

    signed = await sign_step(secretary, session, session.secretary_person_id, "secretary")
    assert signed.status_code == 201, signed.text
    async with db.read() as read:
        minutes = (await read.exec(select(Minutes))).one()
        event = (
            await read.exec(select(AuditEvent).where(AuditEvent.kind == "minutes.signed"))
        ).one()
    confirmed = event.data["confirmed"]
    assert confirmed["basis"] == {
        "purpose": "ecabinet-minutes-signature",
        "minutesId": minutes.id,
        "role": "secretary",
        "minutesSha256": minutes.draft_sha256,
        "noticeSha256": minutes.notice_draft_sha256,
    }
    client_data = json.loads(base64.urlsafe_b64decode(confirmed["clientDataJSON"] + "=="))
    expected = hashlib.sha256(
        json.dumps(confirmed["basis"], sort_keys=True, separators=(",", ":")).encode()
    ).digest()
    assert base64.urlsafe_b64decode(client_data["challenge"] + "==") == expected
    for other in (secretary, chair):
        await other.aclose()


async def test_the_minutes_page_and_the_verify_page(
    client: httpx.AsyncClient,
    db: Database,
    session: ClosedSession,
) -> None:
    secretary = await person_client(client, session, session.secretary_person_id)
    meeting = session.meeting_id
    agenda = await secretary.get(f"/meetings/{meeting}")
    assert f'href="/meetings/{meeting}/minutes"' in agenda.text  # reachable from the meeting
    page = await secretary.get(f"/meetings/{meeting}/minutes")
    assert page.status_code == 200 and "Lập dự thảo biên bản" in page.text
    token = secretary.headers["X-CSRF-Token"]
    made = await secretary.post(
        f"/meetings/{meeting}/minutes/draft", data={"csrf_token": token, "language": "vi"}
    )
    assert made.status_code == 303
    draft = (await secretary.get(f"/meetings/{meeting}/minutes.pdf")).content
    upload = await secretary.post(
        "/minutes/verify",
        data={"csrf_token": token},
        files={"pdf": ("bien-ban.pdf", draft, "application/pdf")},
    )
    assert upload.status_code == 422
    # A draft is not signed: the page says so, and names what is missing.
    assert "KHÔNG ĐẠT" in upload.text and "Thư ký chưa ký." in upload.text
    assert "cả 25 phiếu hợp lệ" in upload.text
    forged = await secretary.post(
        "/minutes/verify",
        data={"csrf_token": "forged"},
        headers={"X-CSRF-Token": "forged"},
        files={"pdf": ("x.pdf", draft, "application/pdf")},
    )
    assert forged.status_code == 403
    await secretary.aclose()


async def test_a_passkey_in_quarantine_cannot_sign_the_minutes(
    client: httpx.AsyncClient,
    db: Database,
    session: ClosedSession,
) -> None:
    secretary = await person_client(client, session, session.secretary_person_id)
    chair = await person_client(client, session, session.chair_person_id)
    await secretary.post(f"/api/meetings/{session.meeting_id}/minutes/draft", json={})
    await approve_draft(chair, session)
    signed = await sign_step(secretary, session, session.secretary_person_id, "secretary")
    assert signed.status_code == 201, signed.text
    # The chair's passkey came through account recovery a moment ago.
    async with db.transaction() as tx:
        credential = (
            await tx.session.exec(
                select(PasskeyCredential).where(
                    PasskeyCredential.person_id == session.chair_person_id
                )
            )
        ).one()
        assert credential.id is not None
        tx.session.add(
            PasskeyQuarantine(
                credential_id=credential.id,
                person_id=session.chair_person_id,
                until=utcnow() + timedelta(hours=24),
            )
        )
    refused = await sign_step(chair, session, session.chair_person_id, "chair")
    assert refused.status_code == 403, refused.text
    assert "khôi phục tài khoản" in refused.json()["detail"], refused.text
    assert (await audit_kinds(db))[-1] == "refused.quarantine"
    state = await chair.get(f"/api/meetings/{session.meeting_id}/minutes")
    assert state.json()["state"] == "signed_by_secretary"
    for other in (secretary, chair):
        await other.aclose()


async def test_the_key_register_lists_each_key_and_the_devices_page_prints_its_fingerprint(
    client: httpx.AsyncClient,
    session: ClosedSession,
    signing: DemoSigning,
) -> None:
    member_id = _member_person(session)
    member = await person_client(client, session, member_id)
    published = await member.get(f"/bodies/{session.body_id}/key-register.pdf")
    assert published.status_code == 200
    register = json.loads(
        pdfdoc.embedded_files(PdfFileReader(io.BytesIO(published.content)))[
            "ecabinet-key-register.json"
        ]
    )
    keys, _note = await read_register(
        published.content, trust_roots=load_trust_roots([signing.ca_certificate])
    )
    assert keys.body_id == session.body_id
    entry = register["people"][str(member_id)]
    (credential,) = entry["credentials"]
    assert credential["revokedAt"] is None and credential["enrolledAt"]
    roles = {s["role"] for s in register["signers"]}
    assert roles == {"secretary", "chair"}
    devices = await member.get("/me/devices")
    assert credential["fingerprint"] in devices.text
    # Anyone who may verify may download it, signed in or not: the stored revision, the
    # same bytes the member got, and each revision by its number.
    assert register["revision"] == 1 and register["previous"] is None
    outsider = await client.get(f"/bodies/{session.body_id}/key-register.pdf")
    assert outsider.status_code == 200 and outsider.content == published.content
    first = await client.get(f"/bodies/{session.body_id}/key-register/1.pdf")
    assert first.status_code == 200 and first.content == published.content
    assert (await client.get(f"/bodies/{session.body_id}/key-register/2.pdf")).status_code == 404
    await member.aclose()
