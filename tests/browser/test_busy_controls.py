"""A tablet's step still on its way (the chair's opening, a check-in refused by the
fingerprint reader) in Chromium: the controls that would start another step are disabled
meanwhile, and enabled again however the step ends, so a tap is never silently lost."""

from __future__ import annotations

import pytest
from playwright.sync_api import APIResponse, Route, expect

from ..support.browser import Devices, LiveServer, bound, enroll
from ..support.live import make_session

pytestmark = pytest.mark.browser

CHECK_IN = "Điểm danh: dự họp tại phòng họp"


def test_the_check_in_waits_for_the_chairs_opening_and_comes_back_after_a_refusal(
    live_server: LiveServer, devices: Devices
) -> None:
    live = live_server.call(make_session(live_server.db, live_server.settings))
    chair = devices.new()
    enroll(chair, live.seats["chair"].token)
    page = chair.open(f"/meetings/{live.meeting_id}/live")
    expect(page.locator("[data-live-status]")).to_have_text("Đã kết nối")

    # The opening is carried out, its state reaches the page on the live stream, and its
    # own answer is held back: the chair's step is still on its way.
    held: list[tuple[Route, APIResponse]] = []

    def hold_the_answer(route: Route) -> None:
        answer = route.fetch()
        if answer.ok:
            held.append((route, answer))
            page.evaluate("window.openingHeld = true")  # for the test to wait on
        else:
            route.fulfill(response=answer)  # the warning about the quorum, confirmed

    page.route("**/session/open", hold_the_answer)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Khai mạc phiên họp").click()
    page.wait_for_function("() => window.openingHeld === true")
    expect(bound(page, "phase")).to_have_text("Đang họp")
    check_in = page.get_by_role("button", name=CHECK_IN)
    expect(check_in).to_be_visible()
    expect(check_in).to_be_disabled()
    expect(page.get_by_role("button", name="Chuyển sang nội dung tiếp theo")).to_be_disabled()
    [(route, answer)] = held
    route.fulfill(response=answer)
    expect(check_in).to_be_enabled()

    # A check-in the fingerprint reader refuses: the reason, and the button back.
    chair.fingerprint_recognised(False)
    check_in.click()
    expect(page.locator("#live-alert")).to_have_text(
        "Không xác thực được vân tay / khuôn mặt, hoặc yêu cầu đã bị hủy. Xin thử lại."
    )
    expect(check_in).to_be_enabled()
    chair.fingerprint_recognised(True)
    check_in.click()
    expect(bound(page, "me-checkin")).to_have_text("Đồng chí đã điểm danh (tại phòng họp).")
