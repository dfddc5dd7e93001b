"""An annulled vote in Chromium: the chair annuls an open vote with a reason, the member's
tablet and the room display say so with the reason, the chair re-runs it and the member
votes again with the passkey."""

from __future__ import annotations

import pytest
from playwright.sync_api import Dialog, expect

from ..support.browser import Devices, LiveServer, bound, enroll, idle
from ..support.live import make_session

pytestmark = pytest.mark.browser

REASON = "Việc đếm phiếu bị gián đoạn do mất kết nối"


def test_the_chair_annuls_a_vote_with_a_reason_and_the_members_vote_again(
    live_server: LiveServer, devices: Devices
) -> None:
    live = live_server.call(make_session(live_server.db, live_server.settings))
    meeting = live.meeting_id
    chair, member, room = (devices.new() for _ in range(3))
    for device, role in ((chair, "chair"), (member, "member"), (room, "secretariat")):
        enroll(device, live.seats[role].token)
    chair_page, member_page = (d.open(f"/meetings/{meeting}/live") for d in (chair, member))
    display = room.open(f"/meetings/{meeting}/display")
    screens = [chair_page, member_page, display]
    for page in screens:
        page.evaluate("window.stayedOnPage = true")
        expect(page.locator("[data-live-status]")).to_have_text("Đã kết nối")

    def confirm(dialog: Dialog) -> None:
        dialog.accept()

    chair_page.once("dialog", confirm)
    chair_page.get_by_role("button", name="Khai mạc phiên họp").click()
    for page in screens:
        expect(bound(page, "phase")).to_have_text("Đang họp")
    for page in (chair_page, member_page):
        idle(page)  # the chair's opening may show before its answer is back
        page.get_by_role("button", name="Điểm danh: dự họp tại phòng họp").click()
        expect(bound(page, "me-checkin")).to_have_text("Đồng chí đã điểm danh (tại phòng họp).")
    chair_page.get_by_role("button", name="Thông qua nhóm nội dung không thảo luận").click()
    expect(member_page.locator('[data-part="agenda"] li').first).to_contain_text("Thông qua")
    chair_page.get_by_role("button", name="Chuyển sang nội dung tiếp theo").click()
    for page in screens:
        expect(bound(page, "current")).to_have_text("2. Tờ trình số 2")

    chair_page.get_by_label("Nội dung đưa ra biểu quyết").fill("Thông qua Tờ trình số 2?")
    chair_page.get_by_role("button", name="Mở biểu quyết").click()
    member_page.get_by_role("button", name="Tán thành", exact=True).click()
    expect(bound(member_page, "my-ballot")).to_contain_text("Mã biên nhận")
    first_receipt = bound(member_page, "my-ballot").inner_text()

    annul = chair_page.get_by_role("button", name="Hủy kết quả biểu quyết", exact=True)
    annul.click()  # without a reason the form does not go
    expect(chair_page.locator('[data-part="annulled"]')).to_be_hidden()
    chair_page.get_by_label("Lý do hủy kết quả biểu quyết").fill(REASON)
    annul.click()
    for page in screens:
        expect(bound(page, "annulled-reason")).to_have_text(
            f"Kết quả biểu quyết đã bị hủy: {REASON}"
        )
        expect(page.locator('[data-part="vote"]')).to_be_hidden()
    expect(bound(member_page, "current-status")).to_have_text("Đưa ra thảo luận")
    expect(annul).to_be_hidden()

    chair_page.get_by_role("button", name="Biểu quyết lại").click()
    for page in screens:
        expect(bound(page, "question")).to_have_text("Thông qua Tờ trình số 2?")
        expect(page.locator('[data-part="annulled"]')).to_be_hidden()
    expect(bound(member_page, "my-ballot")).to_have_text("Đồng chí chưa biểu quyết.")
    member_page.get_by_role("button", name="Không tán thành", exact=True).click()
    expect(bound(member_page, "my-ballot")).to_contain_text("Mã biên nhận")
    assert bound(member_page, "my-ballot").inner_text() != first_receipt
    chair_page.get_by_role("button", name="Kết thúc biểu quyết").click()
    for page in screens:
        expect(bound(page, "sentence")).to_be_visible()
        assert page.evaluate("window.stayedOnPage") is True
