"""The meeting packet in headless Chromium: the secretariat builds a meeting (agenda
reordered by drag and drop and by keyboard), uploads a PDF and a second version with a
progress bar, and publishes; a member signed in with a passkey sees the item, opens the
viewer, turns the page, sees the version flagged as changed, reads it offline; a member
without clearance is refused the classified draft with a page that says why."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlmodel import col, select

from ecabinet.actions.bodies import add_member
from ecabinet.actions.enrollment import issue_enrollment
from ecabinet.models import AgendaItem, Body, utcnow
from ecabinet.vocab import Classification, Role

from ..support.browser import Device, Devices, LiveServer, enroll, pdf, upload
from ..support.factories import Seat, seat_people

pytestmark = pytest.mark.browser

BASIS = "Điểm b khoản 1 Danh mục bí mật nhà nước lĩnh vực tài chính"


@dataclass
class Cast:
    seats: dict[str, Seat]
    uncleared_token: str


def cast(server: LiveServer) -> Cast:
    async def make() -> Cast:
        seats = await seat_people(server.db, server.settings)
        async with server.db.transaction() as tx:
            body = await tx.session.get(Body, seats["member"].body_id)
            assert body is not None
            seat = await add_member(
                tx,
                actor_id=None,
                body=body,
                full_name="Thành viên chưa được tiếp cận tài liệu mật",
                role=Role.MEMBER,
                email="uncleared@example.vn",
                clearance=Classification.INTERNAL,
            )
            url = await issue_enrollment(
                tx, server.settings, actor_id=None, person_id=seat.person_id
            )
        return Cast(seats, url.rsplit("/", 1)[1])

    return server.call(make())


def agenda_order(server: LiveServer, meeting_id: int) -> list[str]:
    async def read() -> list[str]:
        async with server.db.read() as session:
            return list(
                (
                    await session.exec(
                        select(AgendaItem.title)
                        .where(AgendaItem.meeting_id == meeting_id)
                        .order_by(col(AgendaItem.ordinal))
                    )
                ).all()
            )

    return server.call(read())


def secretariat_prepares(server: LiveServer, device: Device, tmp_path: Path) -> int:
    page = device.open("/workspace")
    starts = (utcnow() + timedelta(days=10)).astimezone(ZoneInfo(server.settings.time_zone))
    form = page.locator("form[data-api$='/meetings']")
    form.locator("[name=title]").fill("Phiên họp Chính phủ thường kỳ tháng 7")
    form.locator("[name=startsAt]").fill(f"{starts:%Y-%m-%dT08:30}")
    form.locator("[name=place]").fill("Trụ sở Chính phủ")
    form.locator("[type=submit]").click()
    page.wait_for_url("**/workspace/meetings/*")
    meeting_id = int(page.url.rsplit("/", 1)[1])

    titles = (
        "Dự án Luật Thuế thu nhập doanh nghiệp (sửa đổi)",
        "Báo cáo tình hình",
        "Đề án chuyển đổi số",
    )
    for count, title in enumerate(titles, start=1):
        add = page.locator("form[data-api$='/items']")
        add.locator("[name=title]").fill(title)
        add.locator("[type=submit]").click()
        expect(page.locator(".workspace-agenda > li")).to_have_count(count)
    # Keyboard: the third item moves up to second place.
    handle = page.locator(".workspace-agenda > li").nth(2).locator("[data-drag-handle]")
    handle.focus()
    with page.expect_response("**/agenda/order"):
        page.keyboard.press("ArrowUp")
    assert agenda_order(server, meeting_id)[1] == "Đề án chuyển đổi số"
    # Drag and drop: the last item is dragged above the first.
    source = page.locator(".workspace-agenda > li").nth(2).locator("[data-drag-handle]")
    target = page.locator(".workspace-agenda > li").nth(0)
    # Both ends of the drag on screen at once (a portrait iPad Pro has room for both).
    page.locator("#agenda-heading").evaluate("heading => heading.scrollIntoView()")
    box, top = source.bounding_box(), target.bounding_box()
    assert box is not None and top is not None and box["y"] + box["height"] < 1366
    with page.expect_response("**/agenda/order"):
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.down()
        page.mouse.move(box["x"] + 10, top["y"] + 5, steps=12)
        page.mouse.up()
    assert agenda_order(server, meeting_id) == [
        "Báo cáo tình hình",
        "Dự án Luật Thuế thu nhập doanh nghiệp (sửa đổi)",
        "Đề án chuyển đổi số",
    ]

    page.reload()
    law = page.locator(".workspace-agenda > li", has_text="Dự án Luật Thuế")
    law.locator("details.add-document > summary").click()
    draft = tmp_path / "Tờ trình dự án Luật.pdf"
    draft.write_bytes(pdf(3, "Draft one"))
    upload(page, law.locator("details.add-document form"), draft, title="Tờ trình dự án Luật")
    expect(law.locator(".document-title")).to_have_text(["Tờ trình dự án Luật"])
    revise = law.locator(".document details").first
    revise.locator("summary").click()
    second = tmp_path / "Tờ trình dự án Luật - lần 2.pdf"
    second.write_bytes(pdf(4, "Draft two"))
    upload(page, revise.locator("form"), second, note="Tiếp thu ý kiến Bộ Tư pháp")
    expect(law.locator(".version-list li")).to_have_count(2)

    report = page.locator(".workspace-agenda > li", has_text="Báo cáo tình hình")
    report.locator("details.add-document > summary").click()
    secret = tmp_path / "Phương án thuế suất.pdf"
    secret.write_bytes(pdf(2, "Classified"))
    upload(
        page,
        report.locator("details.add-document form"),
        secret,
        title="Phương án thuế suất",
        classification="mat",
        basis=BASIS,
    )
    expect(page.locator(".workspace-agenda").get_by_text(BASIS)).to_be_visible()

    page.on("dialog", lambda dialog: dialog.accept())
    page.locator("[data-api-post$='/publish']").click()
    expect(page.locator(".state-panel .badge")).to_have_text("Đã phát hành")
    return meeting_id


def test_secretariat_publishes_and_member_reads_the_changed_draft(
    live_server: LiveServer, devices: Devices, tmp_path: Path
) -> None:
    people = cast(live_server)
    secretariat = devices.new({"width": 1024, "height": 1366})
    enroll(secretariat, people.seats["secretariat"].token)
    meeting_id = secretariat_prepares(live_server, secretariat, tmp_path)

    member = devices.new()
    enroll(member, people.seats["member"].token)
    page = member.open("/meetings")
    page.get_by_role("link", name="Phiên họp Chính phủ thường kỳ tháng 7").click()
    page.wait_for_url(f"**/meetings/{meeting_id}")
    item = page.locator(".agenda-item", has_text="Dự án Luật Thuế thu nhập doanh nghiệp")
    expect(item.locator(".flag-changed")).to_have_text("Đã thay đổi: phiên bản 2")
    expect(item.locator(".change-note")).to_contain_text("Tiếp thu ý kiến Bộ Tư pháp")
    expect(page.locator("[data-offline-status]")).to_contain_text("Đã lưu trên máy tính bảng")

    item.get_by_role("link", name="Tờ trình dự án Luật").click()
    page.wait_for_url("**/versions/*")
    expect(page.get_by_text("Phiên bản 2 trên 2")).to_be_visible()
    image = page.locator("[data-viewer-image]")
    expect(image).to_have_attribute("src", re.compile(r"/pages/1\.png"))
    page.wait_for_function("document.querySelector('[data-viewer-image]').naturalWidth > 0")
    page.get_by_role("button", name="Trang sau").click()
    expect(page.locator("[data-viewer-page]")).to_have_value("2")
    page.wait_for_function(
        "(() => { const i = document.querySelector('[data-viewer-image]');"
        " return i.complete && i.naturalWidth > 0 && i.src.includes('/pages/2.png'); })()"
    )

    page.goto(f"{member.origin}/meetings/{meeting_id}")
    item = page.locator(".agenda-item", has_text="Dự án Luật Thuế thu nhập doanh nghiệp")
    expect(item.locator(".flag-changed")).to_have_count(0)

    # Offline: the agenda page is still there without network (the packet was kept).
    member.context.set_offline(True)
    page.reload()
    expect(page.locator("h1")).to_have_text("Phiên họp Chính phủ thường kỳ tháng 7")
    member.context.set_offline(False)

    uncleared = devices.new()
    enroll(uncleared, people.uncleared_token)
    page = uncleared.open(f"/meetings/{meeting_id}")
    secret = page.locator(".document", has_text="Phương án thuế suất")
    expect(secret.locator(".badge.danger")).to_have_text("Vượt quá mức được tiếp cận của bạn")
    expect(secret).to_contain_text(BASIS)
    secret.get_by_role("link", name="Phương án thuế suất").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Độ mật của tài liệu này cao hơn mức bạn được tiếp cận nên không thể mở."
    )
