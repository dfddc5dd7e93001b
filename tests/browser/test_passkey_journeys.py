"""Passkey journeys in headless Chromium, each device a browser context with its own
virtual platform authenticator: enroll, sign in and out, a fingerprint not recognised,
a second device, revoked devices, spent and expired links, and the tablet layout."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, Route, expect
from sqlalchemy import update
from sqlmodel import col

from ecabinet.db import Database
from ecabinet.models import Enrollment, utcnow

from ..support.browser import SIGN_IN, Device, Devices, LiveServer, enroll, seats, sign_in

pytestmark = pytest.mark.browser

NOT_RECOGNISED = "Không xác thực được vân tay / khuôn mặt"
REVOKED = "Khóa truy cập này đã bị thu hồi"


def refused_sign_in(device: Device) -> Page:
    page = device.open("/signin")
    page.get_by_role("button", name=SIGN_IN).click()
    expect(page.get_by_role("alert")).to_be_visible()
    return page


def add_phone(tablet: Device, devices: Devices) -> Device:
    """From My devices on the tablet, register a phone; return the phone as its own device.

    The browser would ask which device holds the new passkey; here the tablet's
    authenticator is swapped for an empty one (the phone) once the fresh check is done,
    and afterwards the tablet gets its own key back and the phone's key moves to a new
    browser context."""
    tablet_keys: list[dict[str, Any]] = []
    page = tablet.open("/me/devices")

    def the_phone_answers(route: Route) -> None:
        # Taken after the fresh check, so the keys' use counters stay current.
        tablet_keys.extend(tablet.passkeys())
        tablet.replace_authenticator()
        route.continue_()

    page.route("**/api/me/passkeys/options", the_phone_answers)
    page.get_by_label("Tên thiết bị mới").fill("Điện thoại")
    page.get_by_role("button", name="Thêm thiết bị khác").click()
    expect(page.locator(".device h2")).to_have_text(["iPad của Bộ trưởng", "Điện thoại"])
    page.unroute("**/api/me/passkeys/options")
    phone_keys = tablet.passkeys()
    tablet.replace_authenticator()
    for key in tablet_keys:
        tablet.hold(key)
    phone = devices.new({"width": 390, "height": 844})
    for key in phone_keys:
        phone.hold(key)
    return phone


async def _expire_links(db: Database, person_id: int) -> None:
    async with db.transaction() as tx:
        await tx.session.exec(
            update(Enrollment)
            .where(col(Enrollment.person_id) == person_id)
            .values(expires_at=utcnow() - timedelta(hours=1))
        )


# --- the journeys ---------------------------------------------------------------------


def test_enroll_from_link_greets_by_name_and_signs_in(
    live_server: LiveServer, devices: Devices
) -> None:
    member = seats(live_server)["member"]
    tablet = devices.new()
    page = tablet.open(f"/enroll/{member.token}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Kính chào Người member")
    expect(page.get_by_label("Tên thiết bị này")).to_have_value("Máy tính")  # Linux Chromium
    enroll(tablet, member.token)
    expect(page.locator(".topbar .who")).to_have_text("Người member")
    [key] = tablet.passkeys()
    assert key["isResidentCredential"] is True
    page = tablet.open("/me/devices")
    expect(page.locator(".device h2")).to_have_text(["iPad của Bộ trưởng"])
    expect(page.locator(".device .badge.info")).to_have_text("Thiết bị này")


def test_sign_out_then_sign_in_returns_to_the_page_asked_for(
    live_server: LiveServer, devices: Devices
) -> None:
    member = seats(live_server)["member"]
    tablet = devices.new()
    page = enroll(tablet, member.token)
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url(live_server.origin + "/")
    expect(page.get_by_role("link", name="Đăng nhập bằng khóa truy cập")).to_be_visible()
    page = tablet.open("/me/devices")
    assert page.url == live_server.origin + "/signin?next=%2Fme%2Fdevices"
    page.get_by_role("button", name=SIGN_IN).click()
    page.wait_for_url(live_server.origin + "/me/devices")
    expect(page.locator(".topbar .who")).to_have_text("Người member")


def test_sign_in_refused_when_the_fingerprint_is_not_recognised(
    live_server: LiveServer, devices: Devices
) -> None:
    member = seats(live_server)["member"]
    tablet = devices.new()
    enroll(tablet, member.token).get_by_role("button", name="Đăng xuất").click()
    tablet.fingerprint_recognised(False)
    page = refused_sign_in(tablet)
    expect(page.get_by_role("alert")).to_contain_text(NOT_RECOGNISED)
    assert page.url.endswith("/signin")
    expect(page.get_by_role("button", name=SIGN_IN)).to_be_enabled()
    tablet.fingerprint_recognised(True)  # the second try works
    page.get_by_role("button", name=SIGN_IN).click()
    page.wait_for_url(live_server.origin + "/")


def test_a_second_device_added_from_my_devices_signs_in(
    live_server: LiveServer, devices: Devices
) -> None:
    member = seats(live_server)["member"]
    tablet = devices.new()
    enroll(tablet, member.token)
    phone = add_phone(tablet, devices)
    page = sign_in(phone, then="/me/devices")
    expect(page.locator(".device h2")).to_have_text(["iPad của Bộ trưởng", "Điện thoại"])
    expect(page.locator(".device").nth(1).locator(".badge.info")).to_have_text("Thiết bị này")
    sign_in(tablet)  # the tablet still signs in with its own key


def test_a_device_revoked_from_my_devices_cannot_sign_in(
    live_server: LiveServer, devices: Devices
) -> None:
    member = seats(live_server)["member"]
    tablet = devices.new()
    enroll(tablet, member.token)
    phone = add_phone(tablet, devices)
    page = tablet.open("/me/devices")
    page.locator(".device", has_text="Điện thoại").get_by_role("link", name="Thu hồi…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thu hồi “Điện thoại”?")
    page.get_by_role("button", name="Đồng ý, thu hồi thiết bị này").click()
    page.wait_for_url(live_server.origin + "/me/devices")
    expect(page.locator(".device.retired .badge.muted")).to_contain_text("Đã thu hồi lúc")
    expect(page.locator(".device.retired").get_by_role("button")).to_have_count(0)
    page = refused_sign_in(phone)
    expect(page.get_by_role("alert")).to_contain_text(REVOKED)
    sign_in(tablet)


def test_secretariat_revokes_a_lost_tablet_and_one_official_cannot_issue_a_new_link(
    live_server: LiveServer, devices: Devices
) -> None:
    people = seats(live_server)
    lost_tablet = devices.new()
    enroll(lost_tablet, people["member"].token)
    office = devices.new()
    page = enroll(office, people["secretariat"].token, "Máy tính văn phòng")

    page.get_by_role("link", name="Thành viên").click()
    row = page.get_by_role("row", name=re.compile("Người member"))
    expect(row).to_contain_text("1")
    row.get_by_role("link", name="Người member").click()
    page.wait_for_url(f"{live_server.origin}/people/{people['member'].person_id}")
    page.get_by_label("Lý do").select_option(label="Bị mất")
    page.get_by_role("button", name="Thu hồi thiết bị này").click()
    expect(page.locator(".device .badge.muted")).to_contain_text("Đã thu hồi lúc")

    # Whoever holds the lost tablet is signed out and cannot sign in again.
    assert lost_tablet.open("/me/devices").url.startswith(live_server.origin + "/signin")
    expect(refused_sign_in(lost_tablet).get_by_role("alert")).to_contain_text(REVOKED)

    # A person who ever had a passkey is not re-enrolled by one official: the page offers
    # the two-official recovery instead (walked in test_recovery_journey.py).
    expect(page.get_by_role("button", name="Cấp đường dẫn đăng ký")).to_have_count(0)
    expect(
        page.get_by_role("button", name="Phê duyệt khôi phục bằng khóa truy cập của tôi")
    ).to_be_visible()


def test_a_used_enrollment_link_is_refused(live_server: LiveServer, devices: Devices) -> None:
    member = seats(live_server)["member"]
    enroll(devices.new(), member.token)
    page = devices.new().open(f"/enroll/{member.token}")
    expect(page.get_by_role("alert")).to_contain_text("Đường dẫn đăng ký này đã được sử dụng")
    expect(page.get_by_role("button", name="Đăng ký thiết bị này")).to_have_count(0)


def test_an_expired_enrollment_link_is_refused(live_server: LiveServer, devices: Devices) -> None:
    member = seats(live_server)["member"]
    live_server.call(_expire_links(live_server.db, member.person_id))
    page = devices.new().open(f"/enroll/{member.token}")
    expect(page.get_by_role("alert")).to_contain_text("Đường dẫn đăng ký này đã hết hạn")
    expect(page.get_by_role("button", name="Đăng ký thiết bị này")).to_have_count(0)


OLDER_SAFARI = """
delete PublicKeyCredential.parseCreationOptionsFromJSON;
delete PublicKeyCredential.parseRequestOptionsFromJSON;
delete PublicKeyCredential.prototype.toJSON;
"""


def test_browsers_without_the_webauthn_json_helpers_still_work(
    live_server: LiveServer, devices: Devices
) -> None:
    member = seats(live_server)["member"]
    tablet = devices.new()
    tablet.context.add_init_script(OLDER_SAFARI)
    helpers = tablet.open("/signin").evaluate(
        "() => [typeof PublicKeyCredential.parseRequestOptionsFromJSON,"
        " typeof PublicKeyCredential.prototype.toJSON]"
    )
    assert helpers == ["undefined", "undefined"]
    enroll(tablet, member.token).get_by_role("button", name="Đăng xuất").click()
    sign_in(tablet, then="/me/devices")
    expect(tablet.page.locator(".device h2")).to_have_text(["iPad của Bộ trưởng"])


# --- the tablet layout ------------------------------------------------------------------

SMALL_TARGETS = """() => [...document.querySelectorAll('a, button, input, select')]
  .filter(e => e.offsetParent !== null && e.type !== 'hidden')
  .map(e => [e.textContent.trim() || e.name || e.id, e.getBoundingClientRect()])
  .filter(([, box]) => box.height < 44 || box.width < 44)
  .map(([name, box]) => `${name}: ${Math.round(box.width)}x${Math.round(box.height)}`)"""


def small_targets(page: Page) -> list[Any]:
    result: list[Any] = page.evaluate(SMALL_TARGETS)
    return result


def test_passkey_pages_fit_an_ipad(live_server: LiveServer, devices: Devices) -> None:
    people = seats(live_server)
    tablet = devices.new()
    page = tablet.open("/signin")
    page.screenshot(path="/tmp/ecabinet-signin-ipad.png", full_page=True)
    assert small_targets(page) == []
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("button", name="Sign in with fingerprint or face")).to_be_visible()
    page.get_by_role("button", name="Tiếng Việt").click()

    page = tablet.open(f"/enroll/{people['member'].token}")
    page.screenshot(path="/tmp/ecabinet-enroll-ipad.png", full_page=True)
    assert small_targets(page) == []
    enroll(tablet, people["member"].token)
    add_phone(tablet, devices)
    page = tablet.open("/me/devices")
    page.screenshot(path="/tmp/ecabinet-devices-ipad.png", full_page=True)
    assert small_targets(page) == []

    office = devices.new()
    page = enroll(office, people["secretariat"].token, "Máy tính văn phòng")
    page = office.open(f"/people/{people['member'].person_id}")
    page.screenshot(path="/tmp/ecabinet-person-ipad.png", full_page=True)
    assert small_targets(page) == []
    page = office.open(f"/bodies/{people['member'].body_id}/people")
    page.screenshot(path="/tmp/ecabinet-members-ipad.png", full_page=True)
    assert small_targets(page) == []
