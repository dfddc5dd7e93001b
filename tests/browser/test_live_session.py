"""The live session in Chromium, as the issue's "Done when" describes it: the chair and
two members on their tablets (each a browser context with its own fingerprint reader) and
the room display. Check-in, quorum, the consent block, a vote by passkey whose count moves
on every screen without a reload, the close, and the result with the rule that decided."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import expect

from ecabinet.actions.minutes_drafts import make_drafts
from ecabinet.minutes.collect import collect

from ..support.browser import (
    IPAD_LANDSCAPE,
    Devices,
    LiveServer,
    assert_accessible,
    bound,
    check_in,
    convene,
    join,
    open_session,
    take_next_item,
)
from ..support.live import make_session

pytestmark = pytest.mark.browser


def test_a_session_with_two_members_voting_by_passkey_and_the_room_display(
    live_server: LiveServer, devices: Devices, tmp_path: Path
) -> None:
    live = live_server.call(make_session(live_server.db, live_server.settings, extra_members=1))
    room = join(devices, live, ("chair", "member", "member-1"), display=IPAD_LANDSCAPE)
    chair_page, first_page, second_page = room.tablets.values()
    display = room.display
    assert display is not None
    screens = room.screens

    # Nobody has checked in yet: the chair is warned and confirms before the session opens.
    assert open_session(room) == [
        "Chưa đủ số lượng thành viên tối thiểu: mới có 0/3 thành viên điểm "
        "danh, cần 2. Chỉ khai mạc nếu các thành viên sẽ điểm danh trước khi "
        "biểu quyết (xác nhận để khai mạc)."
    ]

    check_in(chair_page)
    check_in(first_page)
    check_in(second_page, "remote")
    for page in screens:
        expect(bound(page, "quorum")).to_have_text(
            "Đủ số lượng: 3 trên 3 thành viên có mặt (cần 2)."
        )
    expect(display.locator('[data-part="attendance"] li')).to_have_count(3)

    take_next_item(room, "2. Tờ trình số 2")

    chair_page.get_by_label("Nội dung đưa ra biểu quyết").fill("Thông qua Tờ trình số 2?")
    chair_page.get_by_role("button", name="Mở biểu quyết").click()
    for page in screens:
        expect(bound(page, "question")).to_have_text("Thông qua Tờ trình số 2?")
    expect(bound(display, "cast-number")).to_have_text("0")

    first_page.get_by_role("button", name="Tán thành", exact=True).click()
    expect(bound(first_page, "my-ballot")).to_contain_text(
        re.compile(
            r"Đồng chí đã chọn: Tán thành\. Phiếu của đồng chí đã được ghi nhận\. "
            r"Mã biên nhận: [0-9a-f]{64}"
        )
    )
    for page in screens:
        expect(bound(page, "cast")).to_have_text(
            "1 trên 3 thành viên có mặt đã biểu quyết (tổng số 3 thành viên)."
        )
    expect(bound(display, "cast-number")).to_have_text("1")
    second_page.get_by_role("button", name="Không tán thành").click()
    chair_page.get_by_role("button", name="Tán thành", exact=True).click()
    for page in screens:
        expect(bound(page, "cast")).to_contain_text("3 trên 3 thành viên có mặt")

    chair_page.get_by_role("button", name="Kết thúc biểu quyết").click()
    for page in screens:
        expect(bound(page, "sentence")).to_have_text("Thông qua: 2/3 tán thành, cần 2 (quá nửa).")
        expect(page.locator("svg.bars rect.bar-for")).to_have_attribute("width", "253")
    expect(display.locator(".names-for")).to_contain_text("Người chair, Người member")
    expect(display.locator(".names-against")).to_contain_text("Bộ trưởng 1")
    # The projector shows the room, not the signed-in person: no menu, name or sign-out.
    expect(display.locator("header.topbar")).to_have_count(0)
    expect(display.get_by_role("button", name="Đăng xuất")).to_have_count(0)
    expect(display.locator("footer")).to_have_count(0)
    assert_accessible(display)
    expect(bound(first_page, "current-status")).to_have_text("Thông qua")
    for page in screens:
        assert page.evaluate("window.stayedOnPage") is True

    chair_page.get_by_role("button", name="Bế mạc phiên họp").click()
    for page in screens:
        expect(bound(page, "phase")).to_have_text("Đã bế mạc phiên họp")
    # The minutes say when the quorum was reached, and that the vote had it.
    text = minutes_text(live_server, live.meeting_id, tmp_path)
    assert re.search(
        r"Khi khai mạc \(\d\d:\d\d\): có mặt 0/3 thành viên; cần 2 thành viên "
        r"để đủ số lượng tối thiểu\. Đủ số lượng thành viên tối thiểu từ "
        r"\d\d:\d\d, với 2 thành viên có mặt\.",
        text,
    ), text
    assert re.search(
        r"Khi mở biểu quyết \(\d\d:\d\d\): có mặt 3/3 thành viên, cần 2: đủ "
        r"số lượng tối thiểu\.",
        text,
    ), text
    assert "KHÔNG đạt" not in text


def minutes_text(live_server: LiveServer, meeting_id: int, tmp_path: Path) -> str:
    async def draft() -> bytes:
        async with live_server.db.read() as read:
            record = await collect(read, live_server.settings, meeting_id)
        return make_drafts(record, "vi").minutes

    path = tmp_path / "minutes.pdf"
    path.write_bytes(live_server.call(draft()))
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return " ".join(out.split())


def test_on_a_phone_the_vote_comes_to_the_first_screen_with_check_in_at_hand(
    live_server: LiveServer, devices: Devices
) -> None:
    live = live_server.call(make_session(live_server.db, live_server.settings, extra_members=1))
    room = join(devices, live, ("chair", "member", "member-1"), phones=("member-1",))
    chair_page, _, phone_page = room.tablets.values()
    # The header is one line on a phone, not a quarter of the screen.
    header = phone_page.locator("header.topbar").bounding_box()
    assert header is not None and header["height"] <= 70, header

    convene(room, present=("chair", "member"))
    expect(bound(chair_page, "quorum")).to_have_text(
        "Đủ số lượng: 2 trên 3 thành viên có mặt (cần 2)."
    )
    phone_page.evaluate("window.scrollTo(0, document.body.scrollHeight)")  # reading below
    chair_page.get_by_label("Nội dung đưa ra biểu quyết").fill("Thông qua Tờ trình số 2?")
    chair_page.get_by_role("button", name="Mở biểu quyết").click()

    # The ballot takes focus on the first screen and the status line announces it.
    vote = phone_page.locator('[data-part="vote"]')
    expect(vote).to_be_focused()
    expect(phone_page.locator("#live-note")).to_have_text(
        "Đang mở biểu quyết: Thông qua Tờ trình số 2?"
    )
    # Not checked in: no choices, but the reason and the check-in buttons, right there.
    expect(vote).to_contain_text("Đồng chí chưa điểm danh nên chưa thể biểu quyết.")
    expect(vote.get_by_role("button", name="Tán thành", exact=True)).to_have_count(0)
    vote.get_by_role("button", name="Điểm danh: dự họp tại phòng họp").click()
    choice = vote.get_by_role("button", name="Tán thành", exact=True)
    expect(choice).to_be_visible()
    box = choice.bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 844, box
    choice.click()
    expect(bound(phone_page, "my-ballot")).to_contain_text("Mã biên nhận:")
    assert_accessible(phone_page)
