"""The list of speakers, a recusal and a room display enrolled as a display seat, in
Chromium: the secretariat enrolls the projector (1920×1080, nobody signed in on it); a
member declares a conflict of interest before the session; the chair and three members
(one on a 390×844 phone) check in; two members ask to speak and the chair gives each the
floor with the countdown running on the tablets and the display. Then, on that item, a
vote annulled with a reason and re-run (the recused member not asked), and on the next
a three-option timed vote that the server closes at its deadline; the minutes list the
speakers, the recusal, the options and the annulment. The display's screenshots are
docs/screenshot-display-speakers.png and docs/screenshot-display.png (the result)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from ecabinet import clock
from ecabinet.minutes.collect import collect
from ecabinet.minutes.render import EvidenceSummary, render_minutes

from ..support.browser import (
    Devices,
    LiveServer,
    assert_accessible,
    bound,
    convene,
    display_seat,
    enroll,
    idle,
    join,
)
from ..support.deliberation import pdf_text
from ..support.live import make_session, mark_triaged

pytestmark = pytest.mark.browser
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshot-display-speakers.png"
RESULT_SCREENSHOT = SCREENSHOT.with_name("screenshot-display.png")
REASON = "Việc đếm phiếu bị gián đoạn do mất kết nối"
OPTIONS = ["Phương án 1: Đông Anh", "Phương án 2: Gia Lâm", "Phương án 3: Hoài Đức"]


def test_two_speakers_with_the_timer_a_recusal_and_a_display_seat(
    live_server: LiveServer, devices: Devices
) -> None:
    live = live_server.call(make_session(live_server.db, live_server.settings, extra_members=2))
    meeting, item = live.meeting_id, live.items[1]
    live_server.call(mark_triaged(live_server.db, meeting))
    office = devices.new()
    enroll(office, live.seats["secretariat"].token)
    display = display_seat(devices, office, live, "Phòng họp số 1 – màn hình chính")
    room = join(devices, live, ("chair", "member", "member-1", "member-2"), phones=("member-1",))
    room.display = display
    chair_page, first_page, phone_page, second_page = room.tablets.values()

    # Before the session, a member declares a conflict of interest on the second item.
    second_page.get_by_label("Nội dung", exact=True).select_option(str(item))
    second_page.get_by_label("Lý do không tham gia nội dung này").fill(
        "Vợ tôi là cổ đông của doanh nghiệp được đề xuất."
    )
    second_page.get_by_role("button", name="Khai báo xung đột lợi ích").click()
    idle(second_page)
    expect(second_page.locator("#live-alert")).to_be_hidden()

    convene(room)
    # The room sees who does not take part; the tablets also see why.
    expect(display.locator('[data-part="recusals"]')).to_have_text(
        "Bộ trưởng 2 không tham gia nội dung này (xung đột lợi ích)."
    )
    expect(chair_page.locator('[data-part="recusals"]')).to_contain_text("cổ đông của doanh nghiệp")

    first_page.get_by_role("button", name="Đăng ký phát biểu", exact=True).click()
    expect(bound(first_page, "my-place")).to_have_text("Bạn đứng thứ 1 trong danh sách phát biểu.")
    phone_page.get_by_role("button", name="Đăng ký phát biểu", exact=True).click()
    expect(bound(phone_page, "my-place")).to_have_text("Bạn đứng thứ 2 trong danh sách phát biểu.")
    expect(display.locator('[data-part="queue"] li')).to_have_count(2)

    chair_page.get_by_role("button", name="Mời người tiếp theo phát biểu").click()
    for screen in (display, first_page, phone_page):
        expect(bound(screen, "speaker")).to_have_text("Người member · Phát biểu")
    expect(bound(first_page, "my-place")).to_have_text("Mời bạn phát biểu.")
    # The countdown runs from the body's five minutes, on the display and the phone.
    expect(bound(display, "countdown")).to_have_text(re.compile(r"^4:5\d$"), timeout=15_000)
    expect(bound(phone_page, "countdown")).to_have_text(re.compile(r"^4:5\d$"))
    chair_page.get_by_role("button", name="Mời người tiếp theo phát biểu").click()
    for screen in (display, phone_page):
        expect(bound(screen, "speaker")).to_have_text("Bộ trưởng 1 · Phát biểu")
    expect(bound(phone_page, "my-place")).to_have_text("Mời bạn phát biểu.")
    expect(bound(display, "countdown")).to_have_text(re.compile(r"^4:5\d$"), timeout=15_000)
    # The projector shows the room, not a person, and passes axe like the tablets.
    expect(display.locator("header.topbar")).to_have_count(0)
    assert_accessible(display)
    assert_accessible(phone_page)
    display.screenshot(path=str(SCREENSHOT))
    chair_page.get_by_role("button", name="Kết thúc phần phát biểu").click()
    expect(bound(display, "speaker")).to_have_text("Chưa có ai đang phát biểu.")

    # A vote annulled with a reason, then re-run; the recused member is not asked.
    chair_page.get_by_label("Nội dung đưa ra biểu quyết").fill("Thông qua Tờ trình số 2?")
    chair_page.get_by_role("button", name="Mở biểu quyết").click()
    expect(bound(display, "question")).to_have_text("Thông qua Tờ trình số 2?")
    first_page.get_by_role("button", name="Tán thành", exact=True).click()
    expect(bound(first_page, "my-ballot")).to_contain_text("Mã biên nhận")
    chair_page.get_by_label("Lý do hủy kết quả biểu quyết").fill(REASON)
    chair_page.get_by_role("button", name="Hủy kết quả biểu quyết", exact=True).click()
    for screen in (display, phone_page):
        expect(bound(screen, "annulled-reason")).to_have_text(
            f"Kết quả biểu quyết đã bị hủy: {REASON}"
        )
    chair_page.get_by_role("button", name="Biểu quyết lại").click()
    expect(bound(display, "question")).to_have_text("Thông qua Tờ trình số 2?")
    for tablet in (chair_page, first_page, phone_page):
        expect(bound(tablet, "my-ballot")).to_have_text("Đồng chí chưa biểu quyết.")
        tablet.get_by_role("button", name="Tán thành", exact=True).click()
        expect(bound(tablet, "my-ballot")).to_contain_text("Mã biên nhận")
    chair_page.get_by_role("button", name="Kết thúc biểu quyết").click()
    expect(bound(display, "current-status")).to_have_text("Thông qua")

    # The next item: a three-option vote with a time limit, which closes itself.
    chair_page.get_by_role("button", name="Chuyển sang nội dung tiếp theo").click()
    expect(bound(display, "current")).to_have_text("3. Tờ trình số 3")
    chair_page.get_by_label("Nội dung đưa ra biểu quyết").fill("Chọn địa điểm xây dựng bệnh viện?")
    chair_page.get_by_label("Các phương án để lựa chọn").fill("\n".join(OPTIONS))
    chair_page.get_by_label("Thời hạn biểu quyết").fill("0.5")
    chair_page.get_by_role("button", name="Mở biểu quyết").click()
    for screen in (display, phone_page):
        expect(screen.locator('[data-part="vote-options"] li')).to_have_text(OPTIONS)
        expect(bound(screen, "vote-countdown")).to_have_text(
            re.compile(r"Biểu quyết kết thúc sau 0:[0-3]\d")
        )
    for tablet, label in (
        (chair_page, OPTIONS[1]),
        (first_page, OPTIONS[1]),
        (phone_page, OPTIONS[0]),
        (second_page, OPTIONS[1]),
    ):
        tablet.get_by_role("button", name=label, exact=True).click()
        expect(bound(tablet, "my-ballot")).to_contain_text(f"{label}. ")
    with clock.moved(timedelta(seconds=31)):
        # Nobody closes it: the server's timer does, at the deadline.
        for screen in (display, phone_page):
            expect(bound(screen, "sentence")).to_contain_text("Phương án 2: Gia Lâm")
    expect(bound(display, "vote-countdown")).to_be_hidden()
    assert_accessible(display)
    assert_accessible(chair_page)
    display.screenshot(path=str(RESULT_SCREENSHOT))

    async def minutes_text() -> str:
        async with live_server.db.read() as session:
            record = await collect(session, live_server.settings, meeting)
        rendered = render_minutes(record, EvidenceSummary("0" * 64, 0), locale="en")
        return " ".join(pdf_text(rendered.data).split())

    text = live_server.call(minutes_text())
    assert "Speakers, in order:" in text
    assert "1. Người member (speech" in text and "2. Bộ trưởng 1 (speech" in text
    assert "Did not take part (conflict of interest): Bộ trưởng 2" in text
    assert "ANNULLED" in text and f"Reason: {REASON}" in text
    assert "This vote re-runs the annulled vote above." in text
    assert "Option 2 (opt2): Phương án 2: Gia Lâm: 3 votes." in text
    assert "and it closed itself." in text
