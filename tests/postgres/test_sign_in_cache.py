"""Two server processes (two apps, each with its own Database, pool, hub and LISTEN
connection) on one PostgreSQL database: a sign-in cached by one ends there as soon as the
other commits its end, by LISTEN/NOTIFY, long before the cache would have let it go; and
a process that lost its LISTEN connection (and so maybe a notice) trusts nothing it cached."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import httpx
import pytest
from starlette.applications import Starlette

from ecabinet.app import create_app
from ecabinet.db import Database
from ecabinet.settings import Settings

from ..support.database import ORIGIN, pg_admin
from ..support.factories import Seat, authenticator, csrf_header, enroll, seat_people, sign_in
from .conftest import eventually

# Far longer than any test: only a notice can end a cached sign-in in time.
KEPT_SECONDS = 3600


@dataclass
class Served:
    app: Starlette
    client: httpx.AsyncClient


async def _serve(app: Starlette) -> Served:
    app.state.actors.seconds = KEPT_SECONDS
    await app.state.hub.start()  # listening, as `ecabinet serve` does at start-up
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ORIGIN)
    return Served(app, client)


@pytest.fixture
async def two(app: Starlette, settings: Settings) -> AsyncIterator[tuple[Served, Served]]:
    other_db = Database(settings.database_url)
    here, there = await _serve(app), await _serve(create_app(settings, db=other_db))
    try:
        yield here, there
    finally:
        for served in (here, there):
            await served.client.aclose()
            await served.app.state.hub.stop()
        await other_db.dispose()


async def _member_served_there(
    here: Served, there: Served, db: Database, settings: Settings
) -> dict[str, Seat]:
    seats = await seat_people(db, settings)
    device = authenticator(settings)
    await enroll(here.client, seats["member"].token, device)
    here.client.cookies.clear()
    assert (await sign_in(here.client, device)).status_code == 200
    there.client.cookies.set("ecab_session", here.client.cookies["ecab_session"])
    for _ in range(2):  # looked up there, then kept in that process's cache
        assert (await there.client.get("/api/me")).status_code == 200
    return seats


async def _signed_out(client: httpx.AsyncClient) -> bool:
    return (await client.get("/api/me")).status_code == 401


async def test_a_sign_out_in_one_process_ends_the_sign_in_cached_by_another(
    two: tuple[Served, Served], db: Database, settings: Settings
) -> None:
    here, there = two
    await _member_served_there(here, there, db, settings)
    out = await here.client.request(
        "DELETE", "/api/session", headers=await csrf_header(here.client)
    )
    assert out.status_code in (200, 204), out.text
    await _until(lambda: _signed_out(there.client), "the sign-out in the other process")


async def test_a_revoked_passkey_ends_the_sign_in_cached_by_another_process(
    two: tuple[Served, Served], db: Database, settings: Settings
) -> None:
    here, there = two
    seats = await _member_served_there(here, there, db, settings)
    official, person = here.client, seats["member"].person_id
    official.cookies.clear()
    await enroll(official, seats["secretariat"].token, authenticator(settings))
    passkey = (await official.get(f"/api/people/{person}/passkeys")).json()["passkeys"]
    revoked = await official.delete(
        f"/api/people/{person}/passkeys/{passkey[0]['id']}",
        headers=await csrf_header(official),
    )
    assert revoked.status_code == 200, revoked.text
    await _until(lambda: _signed_out(there.client), "the revocation in the other process")


async def test_a_process_whose_listen_connection_was_cut_forgets_what_it_cached(
    two: tuple[Served, Served], db: Database, settings: Settings
) -> None:
    """The notice of a sign-out is lost to a process whose LISTEN connection was cut at
    that moment: once it listens again, its cached sign-ins are gone, and the signed-out
    cookie is refused at its next request."""
    here, there = two
    await _member_served_there(here, there, db, settings)
    listener = there.app.state.hub.listener
    reconnect = asyncio.Event()
    connect = listener._connect

    async def held() -> None:  # the reconnection waits until the sign-out is done
        await reconnect.wait()
        await connect()

    listener._connect = held
    await pg_admin(f"SELECT pg_terminate_backend({listener.connection.get_server_pid()})")
    await eventually(lambda: not listener.listening(), what="the cut LISTEN connection noticed")
    out = await here.client.request(
        "DELETE", "/api/session", headers=await csrf_header(here.client)
    )
    assert out.status_code in (200, 204), out.text
    reconnect.set()
    await eventually(listener.listening, what="listening again")
    assert await _signed_out(there.client)


async def _until(check: Callable[[], Awaitable[bool]], what: str) -> None:
    """A notice crosses between processes after the commit: wait for it (seconds at most,
    where the cache alone would keep the sign-in an hour)."""
    deadline = time.monotonic() + 10
    while not await check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)
