"""The reading room in headless Chromium on an iPad: a minister opens the book of the demo
meeting, jumps to item 5, finds a word typed without diacritics and lands on the
highlighted hit, selects a sentence and turns it into a comment with the quote and page
filled in."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from ecabinet.demo import government as gov
from ecabinet.demo.seed import SeatLink, seed_government, session_titles

from ..support.browser import Device, Devices, LiveServer, assert_accessible, enroll
from ..support.demo import MINISTER_OF_FINANCE

pytestmark = pytest.mark.browser


def seed(server: LiveServer) -> list[SeatLink]:
    async def run() -> list[SeatLink]:
        async with server.db.transaction() as tx:
            return await seed_government(tx, server.settings)

    return server.call(run())


def enroll_minister(device: Device, links: list[SeatLink]) -> None:
    link = next(link for link in links if link.label.startswith(MINISTER_OF_FINANCE))
    enroll(device, link.enroll_url.rsplit("/", 1)[1])


def select_text_of(page: Page, text: str) -> None:
    """Select ``text`` in the text layer as a finger or a mouse would (a DOM range)."""
    page.evaluate(
        """(wanted) => {
        const span = [...document.querySelectorAll('[data-text-layer] span')]
            .find((s) => s.textContent.includes(wanted));
        const at = span.textContent.indexOf(wanted);
        const range = document.createRange();
        range.setStart(span.firstChild, at);
        range.setEnd(span.firstChild, at + wanted.length);
        const selection = document.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
    }""",
        text,
    )


def test_read_find_and_comment_in_the_book(live_server: LiveServer, devices: Devices) -> None:
    links = seed(live_server)
    device = devices.new()
    enroll_minister(device, links)
    page = device.open("/meetings")
    page.get_by_role("link", name=session_titles()[0]).click()
    page.get_by_role("link", name="Đọc dạng sách").click()
    expect(page.locator("#book-agenda")).to_be_visible()
    # The first page is rendered on the server before its text is laid over it.
    expect(page.locator("[data-text-layer] span").first).to_be_attached(timeout=30_000)

    # Item 5: the proposal for a Law on Digital Transformation.
    page.locator("#book-item-5 [data-item-link]").click()
    expect(page.locator("#book-document-title")).to_have_text(gov.AGENDA[4].documents[0].title_vi)

    # "chuyen doi so" typed without diacritics finds "chuyển đổi số".
    page.get_by_placeholder("Tìm trong văn bản này").fill("chuyen doi so")
    page.get_by_placeholder("Tìm trong văn bản này").press("Enter")
    current = page.locator("[data-text-layer] .hit.current")
    expect(current).to_be_visible(timeout=30_000)
    expect(page.locator("[data-status]")).to_contain_text("trang 1")
    hit_box = current.bounding_box()
    assert hit_box is not None and hit_box["width"] > 20
    lit = page.evaluate("""() => {
        const layer = document.querySelector('[data-text-layer]');
        const hit = layer.querySelector('.hit.current').getBoundingClientRect();
        const y = hit.top + hit.height / 2;
        return [...layer.querySelectorAll('span')].filter((s) => {
            const r = s.getBoundingClientRect();
            return r.top <= y && y <= r.bottom;
        }).map((s) => s.textContent).join(' ');
    }""")
    assert re.search("chuyển đổi số", lit, re.IGNORECASE), lit

    # A sentence selected is highlighted, then turned into a comment, quote and page filled in.
    sentence = "Chính sách 4: Bảo đảm an toàn, an ninh mạng"
    select_text_of(page, sentence)
    page.get_by_role("button", name="Đánh dấu", exact=True).click()
    mark = page.locator(".mark-entry.mark-highlight")
    expect(mark).to_contain_text(sentence)
    expect(page.locator(".hl-rect.colour-yellow").first).to_be_visible()

    # Ink with the pointer: a stroke drawn across the page is kept.
    page.get_by_role("button", name="Vẽ tay", exact=True).click()
    frame = page.locator("[data-page-box]").bounding_box()
    assert frame is not None
    page.mouse.move(frame["x"] + 100, frame["y"] + 300)
    page.mouse.down()
    for step in range(1, 8):
        page.mouse.move(frame["x"] + 100 + step * 30, frame["y"] + 300 + (step % 2) * 20)
    page.mouse.up()
    expect(page.locator(".mark-entry.mark-ink")).to_have_count(1)
    page.get_by_role("button", name="Vẽ tay", exact=True).click()

    assert_accessible(page)

    book_url = page.url
    mark.get_by_role("link", name="Chuyển thành ý kiến góp ý").click()
    expect(page.get_by_label("Đoạn văn bạn góp ý (không bắt buộc)")).to_have_value(sentence)
    expect(page.get_by_label("Trang")).to_have_value("1")
    page.get_by_label("Ý kiến góp ý của bạn").fill("Đề nghị bổ sung bảo vệ dữ liệu cá nhân.")
    page.get_by_role("button", name="Gửi ý kiến").click()
    thread = page.locator(".comment-thread").first
    expect(thread.locator("blockquote")).to_have_text(sentence)
    expect(thread).to_contain_text("Đề nghị bổ sung bảo vệ dữ liệu cá nhân.")

    # The marks are still there when the book is opened again.
    page.goto(book_url)
    expect(page.locator(".mark-entry")).to_have_count(2)
    expect(page.locator(".flag-commented")).to_have_count(1)

    # Search across the packet, and the redline of the revised draft, pass axe too.
    page.goto(device.origin + "/search?q=giam+thue")
    expect(page.locator(".search-hit").first).to_be_visible()
    assert_accessible(page)
    page.locator(".search-hit a", has_text=gov.AGENDA[2].documents[1].title_vi).first.click()
    page.get_by_role("link", name="So sánh với phiên bản 1").click()
    expect(page.locator(".redline ins").first).to_be_visible()
    assert_accessible(page)


def test_marks_and_positions_written_offline_are_sent_on_reconnection(
    live_server: LiveServer, devices: Devices
) -> None:
    """On a plane: the minister writes a note in the book and her position on an item with
    no network; both wait on the tablet, in a list at the top of the page, and are
    accepted once it reconnects."""
    links = seed(live_server)
    device = devices.new()
    enroll_minister(device, links)
    page = device.open("/meetings")
    page.get_by_role("link", name=session_titles()[0]).click()
    meeting_url = page.url
    # The tablet has kept the packet, the positions page with it.
    expect(page.locator("[data-offline-status]")).to_contain_text(
        "Đã lưu trên máy tính bảng", timeout=120_000
    )
    page.get_by_role("link", name="Đọc dạng sách").click()
    expect(page.locator("[data-text-layer] span").first).to_be_attached(timeout=30_000)
    marks_url = page.locator("[data-book-viewer]").get_attribute("data-annotations-url")

    device.context.set_offline(True)
    expect(page.locator("[data-offline-banner]")).to_be_visible()
    page.locator("[data-tool=note]").click()
    page.locator("[data-page-box]").scroll_into_view_if_needed()
    frame = page.locator("[data-page-box]").bounding_box()
    assert frame is not None
    page.mouse.click(frame["x"] + frame["width"] * 0.7, frame["y"] + 450)
    expect(page.locator("[data-note-form]")).to_be_visible()
    page.locator("#note-text").fill("Hỏi lại số liệu khi hạ cánh")
    page.locator("[data-note-form] [type=submit]").click()
    note = page.locator(".mark-entry.mark-note")
    expect(note).to_contain_text("Hỏi lại số liệu khi hạ cánh")
    expect(note).to_contain_text("Đang chờ")
    expect(page.locator("[data-outbox-state=waiting]")).to_have_count(1)

    # The positions page comes from the tablet; the position waits beside the note.
    page.goto(meeting_url + "/positions")
    card = page.locator(".position-card").first
    card.locator("input[value=agree_with_comments]").check()
    card.locator("textarea").fill("Đồng ý, đề nghị làm rõ nguồn bù hụt thu.")
    card.get_by_role("button", name="Gửi ý kiến").click()
    expect(card.locator("[data-offline-queued]")).to_be_visible()
    expect(page.locator("[data-outbox-state=waiting]")).to_have_count(2)
    assert_accessible(page)

    device.context.set_offline(False)
    expect(page.locator("[data-outbox-state=accepted]")).to_have_count(2, timeout=20_000)
    expect(page.locator("[data-offline-banner]")).to_be_hidden()
    page.reload()
    expect(page.locator(".position-card").first.locator(".position-text")).to_have_text(
        "Đồng ý, đề nghị làm rõ nguồn bù hụt thu."
    )
    # The note is on the server once, with the client id the tablet gave it.
    stored = page.evaluate(
        """async (url) => (await (await fetch(url)).json()).annotations
        .map((mark) => [mark.text, Boolean(mark.clientId)])""",
        marks_url,
    )
    assert stored == [["Hỏi lại số liệu khi hạ cánh", True]]
