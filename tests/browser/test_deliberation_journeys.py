"""Written positions and written polls in headless Chromium, each member on their own
tablet (a browser context with its own virtual platform authenticator)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Route, expect
from sqlmodel import select

from ecabinet.db import Database
from ecabinet.models import AuditEvent

from ..support.browser import Device, Devices, LiveServer, enroll, give_position
from ..support.deliberation import add_members, make_meeting, pass_deadline
from ..support.factories import Seat, seat_people

pytestmark = pytest.mark.browser


async def _audit(db: Database, kind: str) -> list[AuditEvent]:
    async with db.read() as session:
        rows = await session.exec(select(AuditEvent).where(AuditEvent.kind == kind))
        return list(rows.all())


def test_positions_then_the_deadline_then_the_live_agenda_and_a_move_on_the_record(
    live_server: LiveServer, devices: Devices
) -> None:
    people = live_server.call(seat_people(live_server.db, live_server.settings))
    body_id = people["member"].body_id
    ministers = live_server.call(add_members(live_server.db, live_server.settings, body_id, 2))
    meeting, items = live_server.call(
        make_meeting(live_server.db, body_id, items=3, deadline_in=timedelta(hours=2))
    )
    members: list[Seat] = [people["member"], *ministers]
    for number, seat in enumerate(members):
        tablet: Device = devices.new()
        enroll(tablet, seat.token)
        page = tablet.open(f"/meetings/{meeting}/positions")
        expect(page.get_by_role("heading", level=1)).to_have_text("Ý kiến bằng văn bản")
        give_position(page, items[0], "agree")
        if number == 1:
            give_position(page, items[1], "disagree", "Chưa đánh giá tác động ngân sách.")
        else:
            give_position(page, items[1], "agree_with_comments", "Sửa câu chữ Điều 3.")
        give_position(page, items[2], "agree")
        expect(page.locator(f"#item-{items[1]} .current-position .stance")).to_be_visible()
    live_server.call(pass_deadline(live_server.db, meeting))

    office = devices.new()
    enroll(office, people["secretariat"].token)
    page = office.open(f"/meetings/{meeting}/triage")
    consent = page.locator(".consent-block .triage-item h3")
    contested = page.locator(".contested .triage-item h3")
    expect(consent).to_have_text(
        ["1. Tờ trình số 1 về dự thảo Nghị định", "3. Tờ trình số 3 về dự thảo Nghị định"]
    )
    expect(contested).to_have_text(["2. Tờ trình số 2 về dự thảo Nghị định"])
    expect(page.locator(".record")).to_contain_text("Tự động phân loại khi hết hạn cho ý kiến.")

    item = page.locator(f"#item-{items[2]}")
    item.get_by_label("Lý do (được ghi vào nhật ký)").fill(
        "Bộ Tài chính đề nghị thảo luận tại phiên họp."
    )
    item.get_by_role("button", name="Chuyển sang các nội dung cần thảo luận").click()
    page.wait_for_url(f"**/triage#item-{items[2]}")
    expect(contested).to_have_text(
        ["2. Tờ trình số 2 về dự thảo Nghị định", "3. Tờ trình số 3 về dự thảo Nghị định"]
    )
    expect(consent).to_have_text(["1. Tờ trình số 1 về dự thảo Nghị định"])
    record = page.locator(".record-entry.kind-agenda-item_moved")
    expect(record).to_contain_text("Bộ Tài chính đề nghị thảo luận tại phiên họp.")
    expect(record).to_contain_text("Người secretariat")
    [moved] = live_server.call(_audit(live_server.db, "agenda.item_moved"))
    assert moved.data["reason"] == "Bộ Tài chính đề nghị thảo luận tại phiên họp."
    assert moved.actor_id == people["secretariat"].person_id

    # The matrix shows the disagreement with its symbol, not its colour alone.
    page = office.open(f"/meetings/{meeting}/matrix")
    expect(page.locator("td.cell.stance-disagree .symbol")).to_have_text(["✗"])
    expect(page.locator("svg.chart")).to_be_visible()


def test_a_member_answers_a_written_poll_with_the_passkey(
    live_server: LiveServer, devices: Devices
) -> None:
    people = live_server.call(seat_people(live_server.db, live_server.settings))
    body_id = people["member"].body_id
    office, chair, member = devices.new(), devices.new(), devices.new()
    enroll(office, people["secretariat"].token)
    enroll(chair, people["chair"].token)
    enroll(member, people["member"].token)
    page = office.open(f"/bodies/{body_id}/polls")
    page.get_by_label("Tiêu đề phiếu lấy ý kiến").fill("Lấy ý kiến về Nghị quyết")
    page.get_by_label("Các câu hỏi, mỗi câu một dòng").fill("Thông qua dự thảo Nghị quyết?")
    page.get_by_role("button", name="Lưu dự thảo").click()
    page.wait_for_url("**/polls/*")
    address = page.url.removeprefix(live_server.origin)
    page = chair.open(address)
    page.get_by_role("button", name="Gửi tới các thành viên").click()
    expect(page.locator(".poll-state")).to_have_text("Đang lấy ý kiến")

    page = member.open(address)
    # The first answer is lost on the way (a proxy's 502 after the server stored the
    # ballot): static/js/api.js sends the same signed ballot again, and the server
    # answers with the receipt it holds instead of counting it twice.
    answers: list[int] = []

    def lose_the_first_answer(route: Route) -> None:
        answer = route.fetch()
        answers.append(answer.status)
        if len(answers) == 1:
            route.fulfill(status=502, body="Bad Gateway")
        else:
            route.fulfill(response=answer)

    page.route("**/api/polls/*/ballots", lose_the_first_answer)
    page.get_by_role("button", name="Tán thành", exact=True).click()
    expect(page.locator(".my-ballot")).to_contain_text("Trả lời của bạn: Tán thành")
    assert answers == [201, 200]  # stored, then recognised as the same ballot
    receipt = page.locator(".my-ballot code").inner_text()
    assert len(receipt) == 64

    # Both members answered "for": two of two is more than half, so it is decided at once.
    page = chair.open(address)
    page.get_by_role("button", name="Tán thành", exact=True).click()
    expect(page.locator(".outcome")).to_contain_text("THÔNG QUA")
    expect(page.locator(".poll-state")).to_have_text("Đã có kết quả")
