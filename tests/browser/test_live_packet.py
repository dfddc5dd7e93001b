"""The live packet: while a member has the meeting open on their tablet, the secretariat
uploads a new version of a document; the member's page shows it without a reload, with a
short notice, and the notification badge counts one more."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from ..support.browser import Devices, LiveServer, enroll, pdf, upload
from ..support.deliberation import make_meeting
from ..support.factories import seat_people

pytestmark = pytest.mark.browser


def test_a_new_version_reaches_the_open_meeting_page_and_the_badge(
    live_server: LiveServer, devices: Devices, tmp_path: Path
) -> None:
    people = live_server.call(seat_people(live_server.db, live_server.settings))
    meeting, _items = live_server.call(
        make_meeting(live_server.db, people["member"].body_id, items=1)
    )
    office = devices.new()
    enroll(office, people["secretariat"].token)
    workspace = office.open(f"/workspace/meetings/{meeting}")
    item = workspace.locator(".workspace-agenda > li").first
    item.locator("details.add-document > summary").click()
    first = tmp_path / "To trinh.pdf"
    first.write_bytes(pdf(2, "Draft one"))
    upload(
        workspace,
        item.locator("details.add-document form"),
        first,
        title="Tờ trình dự thảo Nghị định",
    )

    tablet = devices.new()
    enroll(tablet, people["member"].token)
    page = tablet.open(f"/meetings/{meeting}")
    expect(page.locator("html[data-live=online]")).to_have_count(1)
    document = page.locator(".document", has_text="Tờ trình dự thảo Nghị định")
    expect(document.locator(".meta")).to_contain_text("Phiên bản 1")
    badge = page.locator("[data-unread]")
    before = int(badge.get_attribute("data-count") or "0")
    page.evaluate("window.stillThisPage = true")  # gone if the page reloads

    item = workspace.locator(".workspace-agenda > li").first
    revise = item.locator(".document details").first
    revise.locator("summary").click()
    second = tmp_path / "To trinh 2.pdf"
    second.write_bytes(pdf(3, "Draft two"))
    upload(workspace, revise.locator("form"), second, note="Tiếp thu ý kiến Bộ Tư pháp")

    expect(document.locator(".meta")).to_contain_text("Phiên bản 2")
    expect(page.locator('#live-notices .live-notice[data-kind="document.changed"]')).to_have_text(
        "Đã có phiên bản mới của một tài liệu cuộc họp.×"
    )
    expect(badge).to_have_text(str(before + 1))
    assert page.evaluate("window.stillThisPage") is True
    page.locator("[data-notifications]").click()
    expect(page.locator(".notes li").first).to_contain_text(
        'Phiên bản 2 của "Tờ trình dự thảo Nghị định"'
    )
