"""Real-browser journeys: the real app served by uvicorn on a free port, driven by Debian's
headless Chromium through Playwright, with a CDP virtual authenticator per device.

The tests use Playwright's sync API, so they are plain ``def`` functions (pytest-asyncio
leaves them alone). The server runs in a thread with its own event loop; database set-up
for a test runs on that same loop through :meth:`LiveServer.call`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, sync_playwright
from starlette.types import ASGIApp

from ecabinet.app import create_app
from ecabinet.db import Database
from ecabinet.settings import Settings, load_settings

from ..support.browser import Devices, LiveServer
from ..support.serving import serving

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


@pytest.fixture
def server_settings() -> dict[str, Any]:
    """Extra settings for the live server; a test module overrides this fixture."""
    return {}


@pytest.fixture
def live_server(
    database_url: str, tmp_path: Path, server_settings: dict[str, Any]
) -> Iterator[LiveServer]:
    made: list[Settings] = []

    def build(port: int) -> ASGIApp:
        # localhost, not 127.0.0.1: WebAuthn refuses an IP address as the relying party.
        made.append(
            load_settings(
                environ={},
                database_url=database_url,
                data_dir=str(tmp_path / "data"),
                origin=f"http://localhost:{port}",
                session_secret="browser-secret-" + "x" * 40,
                log_level="warning",
                **server_settings,
            )
        )
        return create_app(made[0], db=db)

    db = Database(database_url)
    with serving(build, after=db.dispose) as served:
        yield LiveServer(settings=made[0], db=db, loop=served.loop)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def devices(browser: Browser, live_server: LiveServer) -> Iterator[Devices]:
    made = Devices(browser=browser, origin=live_server.origin)
    yield made
    for context in made.opened:
        context.close()
    assert made.errors == [], "console errors or CSP violations on a page"
