"""Attested passkeys in Chromium. The CDP virtual authenticator answers direct attestation
with a "packed" statement and the AAGUID 01020304-0506-0708-0102-030405060708, signed by a
fixed key whose self-signed "Batch Certificate" (O=Chromium, OU=Authenticator Attestation)
it mints afresh at each registration. The file beside this one is one of those
certificates, kept as the maker's root: a body with the policy `attested` refuses the
tablet until it trusts it, then accepts it."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from ecabinet.auth.attestation_commands import cmd_policy, cmd_trust
from ecabinet.models import AuditEvent, PasskeyCredential

from ..support.browser import Devices, LiveServer, enroll, seats

pytestmark = pytest.mark.browser

CHROMIUM_ROOT = Path(__file__).with_name("chromium_attestation_root.pem")
CHROMIUM_AAGUID = "01020304-0506-0708-0102-030405060708"


def test_an_attested_body_takes_the_tablet_once_it_trusts_the_maker(
    live_server: LiveServer,
    devices: Devices,
) -> None:
    token = seats(live_server)["member"].token
    settings = live_server.settings
    live_server.call(
        cmd_policy(
            argparse.Namespace(body="chinh-phu", policy="attested", allow=[CHROMIUM_AAGUID]),
            settings,
        )
    )
    tablet = devices.new()
    page = tablet.open(f"/enroll/{token}")
    page.get_by_label("Tên thiết bị này").fill("iPad")
    page.get_by_role("button", name="Đăng ký thiết bị này").click()
    expect(page.get_by_role("alert")).to_contain_text("chưa tin cậy chứng thư gốc")

    live_server.call(
        cmd_trust(argparse.Namespace(body="chinh-phu", file=str(CHROMIUM_ROOT)), settings)
    )
    enroll(tablet, token)

    async def stored() -> tuple[PasskeyCredential, list[str]]:
        async with live_server.db.read() as read:
            row = (await read.exec(select(PasskeyCredential))).one()
            kinds = [e.kind for e in (await read.exec(select(AuditEvent))).all()]
        return row, kinds

    row, kinds = live_server.call(stored())
    assert row.attestation_format == "packed" and row.aaguid == CHROMIUM_AAGUID
    assert "refused.attestation" in kinds and "passkey.registered" in kinds
