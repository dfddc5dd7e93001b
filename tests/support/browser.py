"""The browser journeys' kit: the live server a journey drives, simulated devices (a
Chromium context each, with its own platform authenticator), and the steps journeys share
(enrolling a device, signing in, uploading, checking accessibility)."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Coroutine
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from playwright.sync_api import (
    Browser,
    BrowserContext,
    CDPSession,
    ConsoleMessage,
    Locator,
    Page,
    expect,
)
from reportlab.pdfgen.canvas import Canvas

from ecabinet.db import Database
from ecabinet.settings import Settings

from .factories import Seat, seat_people

T = TypeVar("T")


IPAD_LANDSCAPE = {"width": 1024, "height": 768}


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

    def new(self, viewport: dict[str, int] | None = None) -> Device:
        context = self.browser.new_context(viewport=viewport or IPAD_LANDSCAPE)  # type: ignore[arg-type]
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
    """A tablet ignores taps while its last step is still on its way (aria-busy)."""
    expect(page.locator("#live")).not_to_have_attribute("aria-busy", "true")
