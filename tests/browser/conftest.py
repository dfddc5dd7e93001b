"""Real-browser journeys: the real app served by uvicorn on a free port, driven by Debian's
headless Chromium through Playwright, with a CDP virtual authenticator per device.

The tests use Playwright's sync API, so they are plain ``def`` functions (pytest-asyncio
leaves them alone). The server runs in a thread with its own event loop; database set-up
for a test runs on that same loop through :meth:`LiveServer.call`.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
import uvicorn
from playwright.sync_api import (
    Browser,
    BrowserContext,
    CDPSession,
    ConsoleMessage,
    Page,
    sync_playwright,
)

from ecabinet.app import create_app
from ecabinet.db import Database
from ecabinet.settings import Settings, load_settings

T = TypeVar("T")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
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


@pytest.fixture
def server_settings() -> dict[str, Any]:
    """Extra settings for the live server; a test module overrides this fixture."""
    return {}


@pytest.fixture
def live_server(
    database_url: str, tmp_path: Path, server_settings: dict[str, Any]
) -> Iterator[LiveServer]:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    # localhost, not 127.0.0.1: WebAuthn refuses an IP address as the relying party.
    settings = load_settings(
        environ={},
        database_url=database_url,
        data_dir=str(tmp_path / "data"),
        origin=f"http://localhost:{port}",
        session_secret="browser-secret-" + "x" * 40,
        log_level="warning",
        **server_settings,
    )
    db = Database(settings.database_url)
    config = uvicorn.Config(
        create_app(settings, db=db),
        log_level="warning",
        lifespan="on",
        ws="websockets-sansio",
        ws_per_message_deflate=False,
        http="h11",
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    loop = asyncio.new_event_loop()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(server.serve(sockets=[listener]))
            loop.run_until_complete(db.dispose())
        finally:
            loop.close()

    thread = threading.Thread(target=serve, name="uvicorn", daemon=True)
    thread.start()
    _wait_until(lambda: server.started or not thread.is_alive())
    assert server.started, "the server did not start"
    yield LiveServer(settings=settings, db=db, loop=loop)
    server.should_exit = True
    thread.join(timeout=10)
    listener.close()


def _wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


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
        self.authenticator_id = _add_authenticator(self.cdp)


def _add_authenticator(cdp: CDPSession) -> str:
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
            authenticator_id=_add_authenticator(cdp),
            origin=self.origin,
        )

    def _console(self, page: Page, message: ConsoleMessage) -> None:
        # A refused request (a 4xx the journey provokes on purpose) or a dropped live
        # connection (a tablet gone offline) is logged by the browser too; the page's
        # answer to it is what the journeys check.
        if message.type == "error" and not message.text.startswith(BROWSER_NETWORK_ERRORS):
            self.errors.append(f"{page.url}: {message.text}")


@pytest.fixture
def devices(browser: Browser, live_server: LiveServer) -> Iterator[Devices]:
    made = Devices(browser=browser, origin=live_server.origin)
    yield made
    for context in made.opened:
        context.close()
    assert made.errors == [], "console errors or CSP violations on a page"
