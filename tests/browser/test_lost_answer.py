"""A tablet whose ballot reached the server but whose every answer was lost on the way (a
proxy answering 502 each time, as when its process died and the others stayed out of
reach) is never told that its ballot failed: after its retries it says that it does not
know, fetches the meeting's state, and shows the receipt of the ballot that was recorded."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Route, expect

from ..support.browser import Devices, LiveServer, bound, convene, join
from ..support.live import make_session

pytestmark = pytest.mark.browser


def test_a_ballot_recorded_whose_answers_were_all_lost_is_shown_as_recorded(
    live_server: LiveServer, devices: Devices
) -> None:
    live = live_server.call(make_session(live_server.db, live_server.settings))
    room = convene(join(devices, live, ("chair", "member")))
    chair_page, member_page = room.tablets.values()
    chair_page.get_by_label("Nội dung đưa ra biểu quyết").fill("Thông qua Tờ trình số 2?")
    chair_page.get_by_role("button", name="Mở biểu quyết").click()
    expect(bound(member_page, "question")).to_have_text("Thông qua Tờ trình số 2?")

    sent: list[int] = []

    def lost_on_the_way(route: Route) -> None:
        # The ballot goes to the server (recorded the first time, recognised after), and
        # the answer that comes back is replaced by a proxy's 502.
        sent.append(route.fetch().status)
        route.fulfill(status=502, content_type="text/html", body="<h1>502 Bad Gateway</h1>")

    member_page.route("**/api/polls/*/ballots", lost_on_the_way)
    member_page.get_by_role("button", name="Tán thành", exact=True).click()
    # The tablet's own retries: 0.5 + 1 + 2 + 4 + 8 s of pauses, then it gives up.
    alert = member_page.locator("#live-alert")
    expect(alert).to_contain_text(
        "chưa biết phiếu của đồng chí đã được ghi nhận hay chưa", timeout=40_000
    )
    assert sent == [201, 200, 200, 200, 200, 200]  # recorded once, then recognised
    expect(bound(member_page, "my-ballot")).to_contain_text(
        re.compile(r"Phiếu của đồng chí đã được ghi nhận\. Mã biên nhận: [0-9a-f]{64}")
    )
    expect(bound(chair_page, "cast")).to_contain_text("1 trên 2 thành viên có mặt")
