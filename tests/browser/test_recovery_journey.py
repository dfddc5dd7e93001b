"""The chair lost every device: two secretariat officials each approve the recovery with
their own passkey in Chromium, the second one alone sees the link, the chair's new tablet
enrolls with it and starts in quarantine, and the chair's old tablet (found again) ends
the quarantine early."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ecabinet.actions.bodies import add_member
from ecabinet.actions.enrollment import issue_enrollment
from ecabinet.models import Body
from ecabinet.vocab import Classification, Role

from ..support.browser import Devices, LiveServer, enroll, sign_in
from ..support.factories import Seat, seat_people

pytestmark = pytest.mark.browser

APPROVE = "Phê duyệt khôi phục bằng khóa truy cập của tôi"


async def _people(server: LiveServer) -> tuple[dict[str, Seat], str]:
    seats = await seat_people(server.db, server.settings)
    async with server.db.transaction() as tx:
        body = await tx.session.get(Body, seats["chair"].body_id)
        assert body is not None
        second = await add_member(
            tx,
            actor_id=None,
            body=body,
            full_name="Thư ký thứ hai",
            role=Role.SECRETARIAT,
            email="sec2@example.gov",
            clearance=Classification.MAT,
        )
        url = await issue_enrollment(tx, server.settings, actor_id=None, person_id=second.person_id)
    return seats, url.rsplit("/", 1)[1]


def test_two_officials_recover_the_chair_and_the_old_tablet_ends_the_quarantine(
    live_server: LiveServer, devices: Devices
) -> None:
    seats, second_token = live_server.call(_people(live_server))
    chair_id = seats["chair"].person_id
    old_tablet, first, second, new_tablet = (devices.new() for _ in range(4))
    enroll(old_tablet, seats["chair"].token, "iPad cũ")
    enroll(first, seats["secretariat"].token, "Máy thư ký")
    enroll(second, second_token, "Máy thư ký hai")

    page = first.open(f"/people/{chair_id}")
    page.get_by_role("button", name=APPROVE).click()
    expect(page.locator(".recovery .approvals li")).to_have_count(1)
    expect(page.locator(".recovery")).to_contain_text("Chính phủ: 1/2 phê duyệt")
    expect(page.locator("#recovery-link")).to_be_hidden()

    page = second.open(f"/people/{chair_id}")
    page.get_by_role("button", name=APPROVE).click()
    link = page.locator("#recovery-url")
    expect(link).to_be_visible()
    url = link.input_value()
    assert url.startswith(live_server.origin + "/enroll/")

    enroll(new_tablet, url.rsplit("/", 1)[1], "iPad mới")
    page = new_tablet.open("/me/devices")
    expect(page.locator(".device", has_text="iPad mới")).to_contain_text("bị cách ly đến")
    expect(page.locator(".security-history")).to_contain_text("Thư ký thứ hai")

    sign_in(old_tablet)
    page = old_tablet.open("/me/devices")
    recovered = page.locator(".device", has_text="iPad mới")
    recovered.get_by_role("button", name="Là của tôi: kết thúc cách ly ngay").click()
    expect(recovered).not_to_contain_text("bị cách ly đến")
    expect(page.locator(".security-history li").first).to_contain_text("kết thúc sớm")
