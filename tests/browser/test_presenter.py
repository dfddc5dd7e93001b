"""Follow the presenter in Chromium: the chair presents page 2 of a document of the item
being taken; the room display (a display seat, nobody signed in) and a following tablet
show that page; a member who stops following sees it no more, and comes back. Then a
vote with the roll-call view: the chair's page and the display show who voted how."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from ..support.browser import (
    Devices,
    LiveServer,
    assert_accessible,
    bound,
    check_in,
    convene,
    display_seat,
    enroll,
    join,
)
from ..support.live import make_session, mark_triaged
from ..support.packets import make_pdf

pytestmark = pytest.mark.browser


def _upload(page: Page, origin: str, item: int) -> int:
    """The secretariat attaches a three-page draft to the item, through the API."""
    token = page.locator('meta[name="csrf-token"]').get_attribute("content") or ""
    answer = page.request.post(
        f"{origin}/api/items/{item}/documents",
        headers={"X-CSRF-Token": token},
        multipart={
            "file": {"name": "du-thao.pdf", "mimeType": "application/pdf", "buffer": make_pdf(3)},
            "title": "Dự thảo Nghị định",
            "classification": "public",
        },
    )
    assert answer.status == 201, answer.text()
    version: int = answer.json()["id"]
    return version


def _drawn(page: Page) -> None:
    image = page.locator('[data-part="presented-image"]')
    expect(image).to_be_visible()
    page.wait_for_function(
        "() => { const i = document.querySelector('[data-part=\"presented-image\"]');"
        " return i && i.complete && i.naturalWidth > 0; }"
    )


def test_the_chair_presents_page_two_on_the_display_and_a_following_tablet(
    live_server: LiveServer, devices: Devices
) -> None:
    live = live_server.call(make_session(live_server.db, live_server.settings))
    meeting, item = live.meeting_id, live.items[1]
    live_server.call(mark_triaged(live_server.db, meeting))
    office = devices.new()
    enroll(office, live.seats["secretariat"].token)
    version = _upload(office.open(f"/bodies/{live.body_id}/displays"), office.origin, item)
    display = display_seat(devices, office, live, "Phòng họp số 1")
    room = join(devices, live, ("chair", "member"))
    room.display = display
    convene(room, present=(), adopt_consent=False)
    chair_page, member_page = room.tablets.values()

    chair_page.get_by_label("Trình chiếu tài liệu của nội dung đang thảo luận").select_option(
        label="Dự thảo Nghị định (3)"
    )
    chair_page.get_by_label("Trang", exact=True).fill("2")
    chair_page.get_by_label("Hiển thị cả trên mọi máy tính bảng").check()
    chair_page.get_by_role("button", name="Trình chiếu lên màn hình phòng họp").click()

    caption = "Dự thảo Nghị định, trang 2/3"
    for screen in (display, member_page, chair_page):
        expect(bound(screen, "presenting")).to_have_text(caption)
        _drawn(screen)
    image = '[data-part="presented-image"]'
    expect(display.locator(image)).to_have_attribute(
        "src", f"/api/meetings/{meeting}/presented/{version}/2.png?w=1600"
    )
    expect(member_page.locator(image)).to_have_attribute(
        "src", f"/api/versions/{version}/pages/2.png?w=1200"
    )
    expect(display.locator(image)).to_have_attribute("alt", caption)
    for screen in (display, chair_page):
        assert_accessible(screen)

    # The member leaves following, and comes back.
    member_page.get_by_label("Theo dõi trang đang trình chiếu").uncheck()
    expect(member_page.locator(image)).to_be_hidden()
    member_page.get_by_label("Theo dõi trang đang trình chiếu").check()
    _drawn(member_page)

    # Stopped: gone from every screen.
    chair_page.get_by_role("button", name="Dừng trình chiếu").click()
    for screen in (display, member_page):
        expect(screen.locator('[data-part="presenting"]')).to_be_hidden()

    # A vote with the roll-call view, updated as ballots arrive.
    for tablet in (chair_page, member_page):
        check_in(tablet)
    chair_page.get_by_label("Danh sách biểu quyết từng thành viên: ai biểu quyết").check()
    # A document was added to the item after publication: the chair confirms the warning.
    chair_page.once("dialog", lambda dialog: dialog.accept())
    chair_page.get_by_role("button", name="Mở biểu quyết").click()
    roll = '[data-part="roll-call"] li'
    for screen in (display, chair_page):
        expect(screen.locator(roll)).to_have_count(2)
        expect(screen.locator(roll).nth(1)).to_have_text("Người memberChưa biểu quyết")
    expect(member_page.locator('[data-part="roll-call"]')).to_be_hidden()
    member_page.get_by_role("button", name="Không tán thành", exact=True).click()
    for screen in (display, chair_page):
        expect(screen.locator(roll).nth(1)).to_have_text("Người memberKhông tán thành")
        expect(screen.locator(roll).nth(0)).to_have_text("Người chairChưa biểu quyết")
    assert_accessible(display)
