"""The minutes approved and signed from the minutes page in Chromium: the chair approves the
draft with a passkey, then the secretary and the chair each sign with their own passkey over
the files, each on their own device. The members' passkeys of the closed session are put
into the virtual authenticators, so the session's recorded ballots stay theirs."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from playwright.sync_api import Page, expect
from sqlmodel import select

from ecabinet.minutes.ca import prepare_demo_signing
from ecabinet.models import AuditEvent, Minutes
from ecabinet.softauthn import SoftAuthenticator

from ..support.browser import Device, Devices, LiveServer, sign_in
from ..support.minutes import ClosedSession, build_closed_session

pytestmark = pytest.mark.browser


@pytest.fixture
def server_settings(tmp_path: Path) -> dict[str, Any]:
    signing = prepare_demo_signing(
        tmp_path / "signing",
        secretary_name="Nghiêm Thị Hồng Vân",
        chair_name="Trần Quốc Khải",
        organization="Chính phủ",
    )
    return {
        "minutes_secretary_key": str(signing.secretary.key_file),
        "minutes_secretary_passphrase_file": str(signing.secretary.passphrase_file),
        "minutes_chair_key": str(signing.chair.key_file),
        "minutes_chair_passphrase_file": str(signing.chair.passphrase_file),
    }


def holding(devices: Devices, soft: SoftAuthenticator) -> Device:
    """A browser device whose authenticator holds the software authenticator's passkey."""
    device = devices.new()
    for credential in soft.credentials.values():
        key = credential.private_key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        device.hold(
            {
                "credentialId": base64.b64encode(credential.credential_id).decode(),
                "isResidentCredential": True,
                "rpId": credential.rp_id,
                "privateKey": base64.b64encode(key).decode(),
                "userHandle": base64.b64encode(credential.user_handle).decode(),
                "signCount": credential.sign_count,
            }
        )
    return device


def act(page: Page, button: str, then: str) -> None:
    page.get_by_role("button", name=button).click()
    expect(page.locator(".badges")).to_contain_text(then)


def test_approve_and_sign_the_minutes_from_the_minutes_page(
    live_server: LiveServer,
    devices: Devices,
) -> None:
    session: ClosedSession = live_server.call(
        build_closed_session(live_server.db, live_server.settings)
    )
    minutes_page = f"/meetings/{session.meeting_id}/minutes"
    secretary = holding(devices, session.devices[session.secretary_person_id])
    chair = holding(devices, session.devices[session.chair_person_id])

    page = sign_in(secretary, minutes_page)
    page.get_by_role("button", name="Lập dự thảo biên bản").click()
    expect(page.locator(".badges")).to_contain_text("chờ chủ tọa phê duyệt")
    chair_page = sign_in(chair, minutes_page)
    act(
        chair_page,
        "Phê duyệt dự thảo bằng khóa truy cập của tôi",
        "Chủ tọa đã phê duyệt; tiếp theo thư ký ký",
    )
    page.reload()
    act(page, "Ký với tư cách thư ký", "Thư ký đã ký; tiếp theo chủ tọa ký")
    chair_page.reload()
    act(chair_page, "Ký với tư cách chủ tọa", "Thư ký và chủ tọa đã ký")

    async def recorded() -> tuple[Minutes, list[AuditEvent]]:
        async with live_server.db.read() as read:
            row = (await read.exec(select(Minutes))).one()
            events = (
                await read.exec(select(AuditEvent).where(AuditEvent.kind == "minutes.signed"))
            ).all()
        return row, list(events)

    row, events = live_server.call(recorded())
    assert row.state == "signed"
    assert [e.data["confirmed"]["basis"]["role"] for e in events] == ["secretary", "chair"]
    assert [e.actor_id for e in events] == [session.secretary_person_id, session.chair_person_id]
