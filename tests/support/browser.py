"""The browser journeys' kit: the live server a journey drives, simulated devices (a
Chromium context each, with its own platform authenticator), and the steps journeys share
(enrolling a device, signing in, uploading, checking accessibility, and a live session's
opening: the seats' tablets, the room display, the check-ins and the first item)."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Coroutine, Iterable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from playwright.sync_api import (
    Browser,
    BrowserContext,
    CDPSession,
    ConsoleMessage,
    Dialog,
    Locator,
    Page,
    ViewportSize,
    expect,
)
from reportlab.pdfgen.canvas import Canvas

from ecabinet.db import Database
from ecabinet.settings import Settings

from .factories import Seat, seat_people
from .live import Session

T = TypeVar("T")


IPAD_LANDSCAPE: ViewportSize = {"width": 1024, "height": 768}
PHONE: ViewportSize = {"width": 390, "height": 844}
PROJECTOR: ViewportSize = {"width": 1920, "height": 1080}


BROWSER_NETWORK_ERRORS = ("Failed to load resource", "WebSocket connection to")


@dataclass
class LiveServer:
    settings: Settings
    db: Database
    loop: asyncio.AbstractEventLoop

    @property
    def origin(self) -> str:
        return self.settings.origin

    def call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine (database set-up, checks) on the server's loop and wait for it."""
        future: Future[T] = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        return future.result(timeout=30)


@dataclass
class Device:
    """One simulated device: a browser context with its own platform authenticator
    (a fingerprint reader that says yes unless told otherwise)."""

    context: BrowserContext
    page: Page
    cdp: CDPSession
    authenticator_id: str
    origin: str

    def open(self, path: str) -> Page:
        self.page.goto(self.origin + path)
        return self.page

    def fingerprint_recognised(self, recognised: bool) -> None:
        self.cdp.send(
            "WebAuthn.setUserVerified",
            {"authenticatorId": self.authenticator_id, "isUserVerified": recognised},
        )

    def passkeys(self) -> list[dict[str, Any]]:
        answer = self.cdp.send(
            "WebAuthn.getCredentials", {"authenticatorId": self.authenticator_id}
        )
        credentials: list[dict[str, Any]] = answer["credentials"]
        return credentials

    def hold(self, credential: dict[str, Any]) -> None:
        """Put a passkey (private key included) into this device's authenticator."""
        self.cdp.send(
            "WebAuthn.addCredential",
            {"authenticatorId": self.authenticator_id, "credential": credential},
        )

    def replace_authenticator(self) -> None:
        """Swap the authenticator for an empty one (another device in the same browser)."""
        self.cdp.send(
            "WebAuthn.removeVirtualAuthenticator", {"authenticatorId": self.authenticator_id}
        )
        self.authenticator_id = add_authenticator(self.cdp)


def add_authenticator(cdp: CDPSession) -> str:
    answer = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    authenticator_id: str = answer["authenticatorId"]
    return authenticator_id


@dataclass
class Devices:
    browser: Browser
    origin: str
    opened: list[BrowserContext] = field(default_factory=list)
    # Script errors and console errors (a CSP violation is one) on any page: a journey
    # that causes one fails, even when what it checks on the page looks right.
    errors: list[str] = field(default_factory=list)

    def new(self, viewport: ViewportSize | None = None) -> Device:
        context = self.browser.new_context(viewport=viewport or IPAD_LANDSCAPE)
        context.set_default_timeout(10_000)
        self.opened.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: self.errors.append(f"{page.url}: {error}"))
        page.on("console", lambda message: self._console(page, message))
        cdp = context.new_cdp_session(page)
        cdp.send("WebAuthn.enable", {"enableUI": False})
        return Device(
            context=context,
            page=page,
            cdp=cdp,
            authenticator_id=add_authenticator(cdp),
            origin=self.origin,
        )

    def _console(self, page: Page, message: ConsoleMessage) -> None:
        # A refused request (a 4xx the journey provokes on purpose) or a dropped live
        # connection (a tablet gone offline) is logged by the browser too; the page's
        # answer to it is what the journeys check.
        if message.type == "error" and not message.text.startswith(BROWSER_NETWORK_ERRORS):
            self.errors.append(f"{page.url}: {message.text}")


SIGN_IN = "Đăng nhập bằng vân tay hoặc khuôn mặt"


def seats(server: LiveServer) -> dict[str, Seat]:
    return server.call(seat_people(server.db, server.settings))


def enroll(device: Device, token: str, name: str = "iPad của Bộ trưởng") -> Page:
    page = device.open(f"/enroll/{token}")
    page.get_by_label("Tên thiết bị này").fill(name)
    page.get_by_role("button", name="Đăng ký thiết bị này").click()
    page.wait_for_url(device.origin + "/")
    return page


def sign_in(device: Device, then: str = "/") -> Page:
    page = device.open("/signin" if then == "/" else f"/signin?next={then}")
    page.get_by_role("button", name=SIGN_IN).click()
    page.wait_for_url(device.origin + then)
    return page


AXE = Path(__file__).parents[1] / "browser" / "vendor" / "axe.min.js"


def assert_accessible(page: Page) -> None:
    """axe-core (vendored from npm) finds no violation on the page as it stands. It is
    evaluated through the DevTools protocol, which the page's CSP does not govern."""
    page.evaluate(AXE.read_text())
    violations = page.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ['violations']});
        return result.violations.map((v) => v.id + ': ' + v.nodes.map((n) => n.target).join(' | '));
    }""")
    assert violations == [], violations


def pdf(pages: int, label: str) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    for number in range(1, pages + 1):
        canvas.drawString(72, 760, f"{label} - page {number}")
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def upload(page: Page, form: Locator, path: Path, **fields: str) -> None:
    form.locator("input[type=file]").set_input_files(str(path))
    for name, value in fields.items():
        if name == "classification":
            form.locator("select[name=classification]").select_option(value)
        else:
            form.locator(f"[name={name}]").fill(value)
    with page.expect_response(lambda r: r.request.method == "POST" and "/api/" in r.url) as sent:
        form.locator("[type=submit]").click()
    assert sent.value.status == 201, sent.value.text()
    page.wait_for_load_state("load")


def give_position(page: Page, item: int, stance: str, text: str = "") -> None:
    card = page.locator(f"#item-{item}")
    card.locator(f'input[value="{stance}"]').check()
    if text:
        card.locator("textarea").fill(text)
    card.get_by_role("button", name="Gửi ý kiến").click()
    page.wait_for_url(f"**/positions#item-{item}")


def bound(page: Page, name: str) -> Locator:
    return page.locator(f'[data-bind="{name}"]').first


def idle(page: Page) -> None:
    """The live page's last step has ended (its controls are enabled again)."""
    expect(page.locator("#live")).not_to_have_attribute("aria-busy", "true")


# --- a live session's opening -----------------------------------------------------------
CHECK_IN = {"room": "Điểm danh: dự họp tại phòng họp", "remote": "Điểm danh: dự họp từ xa"}
CHECKED_IN = {
    "room": "Đồng chí đã điểm danh (tại phòng họp).",
    "remote": "Đồng chí đã điểm danh (từ xa).",
}


@dataclass
class Room:
    """A live session's screens: each seat's tablet on the live page (by role, in the
    order given) and the room display. Each page is marked ``window.stayedOnPage``, which
    a reload would lose."""

    tablets: dict[str, Page]
    display: Page | None = None

    @property
    def chair(self) -> Page:
        return self.tablets["chair"]

    @property
    def screens(self) -> list[Page]:
        return [*self.tablets.values(), *([self.display] if self.display else [])]


def join(
    devices: Devices,
    live: Session,
    roles: Iterable[str],
    *,
    phones: Iterable[str] = (),
    display: ViewportSize | None = None,
) -> Room:
    """Each seat of ``roles`` enrolls its own device (a 390×844 phone for ``phones``, an
    iPad otherwise) and opens the live page; with ``display`` (its viewport) the
    secretariat's device shows the room display. Every page is connected."""
    on_phone = set(phones)
    room = Room(tablets={})
    for role in roles:
        device = devices.new(PHONE if role in on_phone else None)
        enroll(device, live.seats[role].token)
        room.tablets[role] = device.open(f"/meetings/{live.meeting_id}/live")
    if display is not None:
        device = devices.new(display)
        enroll(device, live.seats["secretariat"].token)
        room.display = device.open(f"/meetings/{live.meeting_id}/display")
    for page in room.screens:
        page.evaluate("window.stayedOnPage = true")
        expect(page.locator("[data-live-status]")).to_have_text("Đã kết nối")
    return room


def display_seat(devices: Devices, office: Device, live: Session, name: str) -> Page:
    """The secretariat (``office``) enrolls a projector (1920×1080, nobody signed in on
    it) as a display seat of the body; it shows the meeting's room display, connected."""
    page = office.open(f"/bodies/{live.body_id}/displays")
    page.get_by_label("Tên màn hình mới (phòng họp và vị trí màn hình)").fill(name)
    page.get_by_role("button", name="Cấp đường dẫn đăng ký").click()
    link = page.locator("#display-url").input_value()
    assert "/display/enroll/" in link
    projector = devices.new(PROJECTOR)
    display = projector.open(link.split(projector.origin, 1)[1])
    display.get_by_role("button", name="Dùng màn hình này làm màn hình phòng họp").click()
    display.wait_for_url(f"{projector.origin}/meetings/{live.meeting_id}/display")
    expect(display.locator("[data-live-status]")).to_have_text("Đã kết nối")
    return display


def open_session(room: Room) -> list[str]:
    """The chair opens the session, confirming each warning (nobody has checked in yet);
    every screen shows it open. Returns the warnings, in order."""
    warnings: list[str] = []

    def confirm(dialog: Dialog) -> None:
        warnings.append(dialog.message)
        dialog.accept()

    room.chair.on("dialog", confirm)
    room.chair.get_by_role("button", name="Khai mạc phiên họp").click()
    for page in room.screens:
        expect(bound(page, "phase")).to_have_text("Đang họp")
    room.chair.remove_listener("dialog", confirm)
    return warnings


def check_in(page: Page, mode: str = "room") -> None:
    page.get_by_role("button", name=CHECK_IN[mode]).first.click()
    expect(bound(page, "me-checkin")).to_have_text(CHECKED_IN[mode])


def take_next_item(room: Room, current: str, *, adopt_consent: bool = True) -> None:
    """The chair adopts the consent block (unless told not to) and takes the next item,
    ``current`` on every screen."""
    if adopt_consent:
        room.chair.get_by_role("button", name="Thông qua nhóm nội dung không thảo luận").click()
        expect(room.chair.locator('[data-part="agenda"] li').first).to_contain_text("Thông qua")
    room.chair.get_by_role("button", name="Chuyển sang nội dung tiếp theo").click()
    for page in room.screens:
        expect(bound(page, "current")).to_have_text(current)


def convene(
    room: Room,
    *,
    present: Iterable[str] | None = None,
    current: str = "2. Tờ trình số 2",
    adopt_consent: bool = True,
) -> Room:
    """A journey's usual opening: the chair opens the session, the seats ``present`` (all
    the tablets unless told) check in in the room, and the chair takes the first item of
    the live agenda (after the consent block, unless told not to adopt it)."""
    open_session(room)
    for role in room.tablets if present is None else present:
        check_in(room.tablets[role])
    take_next_item(room, current, adopt_consent=adopt_consent)
    return room
