"""An annulled vote in Chromium: the chair annuls an open vote with a reason, the member's
tablet and the room display say so with the reason, the chair re-runs it and the member
votes again with the passkey."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ..support.browser import IPAD_LANDSCAPE, Devices, LiveServer, bound, convene, join
from ..support.live import make_session

pytestmark = pytest.mark.browser

REASON = "Việc đếm phiếu bị gián đoạn do mất kết nối"


def test_the_chair_annuls_a_vote_with_a_reason_and_the_members_vote_again(
    live_server: LiveServer, devices: Devices
) -> None:
    live = live_server.call(make_session(live_server.db, live_server.settings))
    room = convene(join(devices, live, ("chair", "member"), display=IPAD_LANDSCAPE))
    chair_page, member_page = room.tablets.values()
    display = room.display
    assert display is not None
    screens = room.screens

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
