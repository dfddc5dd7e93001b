"""A timed vote in Chromium: the chair gives a time limit, the member's tablet and the room
display count down, a ballot after the deadline is refused with the reason, and the sweep
closes the vote on every screen without a reload."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from ecabinet import clock, sweeper

from ..support.browser import IPAD_LANDSCAPE, Devices, LiveServer, bound, convene, join
from ..support.live import make_session

pytestmark = pytest.mark.browser


def test_a_timed_vote_counts_down_refuses_a_late_ballot_and_closes_itself(
    live_server: LiveServer, devices: Devices
) -> None:
    live = live_server.call(make_session(live_server.db, live_server.settings))
    room = convene(join(devices, live, ("chair", "member"), display=IPAD_LANDSCAPE))
    chair_page, member_page = room.tablets.values()
    screens = room.screens

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
