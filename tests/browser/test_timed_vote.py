"""A timed vote in Chromium: the chair gives a time limit, the member's tablet and the room
display count down, a ballot after the deadline is refused with the reason, and the sweep
closes the vote on every screen without a reload."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Dialog, expect

from ecabinet import clock, sweeper

from ..support.browser import Devices, LiveServer, bound, enroll, idle
from ..support.live import make_session

pytestmark = pytest.mark.browser


def test_a_timed_vote_counts_down_refuses_a_late_ballot_and_closes_itself(
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
    chair_page.get_by_label("Thời hạn biểu quyết").fill("1")
    chair_page.get_by_role("button", name="Mở biểu quyết").click()
    for page in screens:
        expect(bound(page, "question")).to_have_text("Thông qua Tờ trình số 2?")
        expect(bound(page, "vote-countdown")).to_have_text(
            re.compile(r"Biểu quyết kết thúc sau 0:[0-5]\d")
        )
    chair_page.get_by_role("button", name="Tán thành", exact=True).click()
    expect(bound(chair_page, "my-ballot")).to_contain_text("Mã biên nhận")

    with clock.moved(timedelta(seconds=61)):
        member_page.get_by_role("button", name="Tán thành", exact=True).click()
        expect(member_page.locator("#live-alert")).to_have_text(
            "Đã hết thời hạn nhận phiếu; phiếu không được ghi nhận."
        )
        # The server's own timer closes it at the deadline; a sweep now finds it closed,
        # or (had the timer not woken yet) closes it itself: once either way.
        swept = live_server.call(sweeper.sweep_once(live_server.db, live_server.settings))
        assert swept.votes_closed in (0, 1)
    for page in screens:
        expect(bound(page, "sentence")).to_contain_text("1/2 tán thành")
        expect(bound(page, "vote-countdown")).to_be_hidden()
        assert page.evaluate("window.stayedOnPage") is True
