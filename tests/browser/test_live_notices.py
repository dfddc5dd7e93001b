"""Notices reach the open pages live: the secretariat's matrix of positions takes in a
member's answer without a reload, and the notice shows on the page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ..support.browser import Devices, LiveServer, enroll, give_position
from ..support.deliberation import make_meeting
from ..support.factories import seat_people

pytestmark = pytest.mark.browser


def test_a_members_position_reaches_the_open_matrix_live(
    live_server: LiveServer, devices: Devices
) -> None:
    people = live_server.call(seat_people(live_server.db, live_server.settings))
    meeting, items = live_server.call(
        make_meeting(live_server.db, people["member"].body_id, items=2)
    )
    office = devices.new()
    enroll(office, people["secretariat"].token)
    matrix = office.open(f"/meetings/{meeting}/matrix")
    # Two items, two voters (the member and the chair): four empty cells.
    expect(matrix.locator("td.cell.stance-missing")).to_have_count(4)
    expect(matrix.locator("html[data-live=online]")).to_have_count(1)
    matrix.evaluate("window.stillThisPage = true")  # gone if the page reloads

    tablet = devices.new()
    enroll(tablet, people["member"].token)
    give_position(
        tablet.open(f"/meetings/{meeting}/positions"),
        items[0],
        "disagree",
        "Chưa đánh giá tác động ngân sách.",
    )

    expect(matrix.locator("td.cell.stance-disagree .symbol")).to_have_text(["✗"])
    expect(matrix.locator("td.cell.stance-missing")).to_have_count(3)
    notice = matrix.locator('#live-notices .live-notice[data-kind="position.changed"] a')
    expect(notice).to_have_text("Ý kiến bằng văn bản của một thành viên đã thay đổi.")
    expect(notice).to_have_attribute("href", f"/meetings/{meeting}/matrix")
    assert matrix.evaluate("window.stillThisPage") is True


def test_a_csp_violation_or_script_error_on_a_page_is_caught(devices: Devices) -> None:
    page = devices.new().open("/signin")
    with (
        page.expect_console_message(lambda m: "Content Security Policy" in m.text),
        page.expect_event("pageerror"),
    ):
        page.evaluate("""() => {
          const inline = document.createElement("script");
          inline.textContent = "window.ran = true";
          document.body.append(inline);
          setTimeout(() => { throw new Error("a script broke"); });
        }""")
    assert page.evaluate("window.ran") is None  # the policy refused the inline script
    assert any("Content Security Policy" in e for e in devices.errors), devices.errors
    assert any("a script broke" in e for e in devices.errors), devices.errors
    devices.errors.clear()  # caught: the fixture would fail this test otherwise
