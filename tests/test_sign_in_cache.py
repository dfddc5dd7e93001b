"""Each process keeps the sign-ins it looked up for a few seconds (auth/actor_cache.py);
whatever changes a sign-in takes effect at the very next request of the same process,
however long the cache would have kept it. (Across processes on PostgreSQL:
tests/postgres/test_sign_in_cache.py; a rejected quarantined passkey:
tests/test_insider_attack.py.)"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import text
from sqlmodel import select
from starlette.applications import Starlette

from ecabinet.actions.bodies import add_member
from ecabinet.auth.actor_cache import ActorCache, cache_for
from ecabinet.db import Database
from ecabinet.models import Body, LoginSession
from ecabinet.settings import Settings
from ecabinet.vocab import Role

from .support.database import ORIGIN
from .support.factories import authenticator, csrf_header, enroll, seat_people, sign_in
from .support.packets import People, attach, make_pdf, new_item, new_meeting


@pytest.fixture(autouse=True)
async def long_cache(app: Starlette) -> AsyncIterator[None]:
    """Kept far longer than any test runs: only the change itself can end it. The hub
    listens, as in a served process (on PostgreSQL the cache is used only then)."""
    cache: ActorCache = app.state.actors
    cache.seconds = 3600
    await app.state.hub.start()
    yield
    await app.state.hub.stop()


async def _signed_in(client: httpx.AsyncClient, token: str, settings: Settings) -> httpx.Response:
    device = authenticator(settings)
    await enroll(client, token, device)
    client.cookies.clear()
    signed = await sign_in(client, device)
    # Looked up, then served from the cache.
    for _ in range(2):
        assert (await client.get("/api/me")).status_code == 200
    return signed


async def test_a_sign_out_ends_the_cached_sign_in_at_once(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    await _signed_in(client, seats["member"].token, settings)
    cookie = client.cookies["ecab_session"]
    out = await client.request("DELETE", "/api/session", headers=await csrf_header(client))
    assert out.status_code in (200, 204), out.text
    client.cookies.set("ecab_session", cookie)  # the old cookie, kept by a copy of the tablet
    assert (await client.get("/api/me")).status_code == 401


async def test_a_revoked_passkey_ends_the_cached_sign_in_at_once(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    async with httpx.AsyncClient(transport=client._transport, base_url=ORIGIN) as member:
        await _signed_in(member, seats["member"].token, settings)
        await enroll(client, seats["secretariat"].token, authenticator(settings))
        person = seats["member"].person_id
        passkey = (await client.get(f"/api/people/{person}/passkeys")).json()["passkeys"][0]
        revoked = await client.delete(
            f"/api/people/{person}/passkeys/{passkey['id']}", headers=await csrf_header(client)
        )
        assert revoked.status_code == 200, revoked.text
        assert (await member.get("/api/me")).status_code == 401


async def test_a_new_seat_counts_at_once(
    people: People, db: Database, settings: Settings, app: Starlette
) -> None:
    meeting_id = (await new_meeting(people))["id"]
    item_id = await new_item(people, meeting_id)
    await attach(people, item_id, make_pdf(1))
    published = await people["secretariat"].post(f"/api/meetings/{meeting_id}/publish", json={})
    assert published.status_code == 200, published.text
    outsider = (await seat_people(db, settings, slug="bo-ngoai"))["member"]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ORIGIN) as client:
        await _signed_in(client, outsider.token, settings)
        assert (await client.get(f"/api/meetings/{meeting_id}")).status_code in (403, 404)
        async with db.transaction() as tx:
            body = await tx.session.get(Body, people.seats["member"].body_id)
            assert body is not None
            await add_member(
                tx,
                actor_id=None,
                body=body,
                full_name="Người member",
                role=Role.MEMBER,
                email="member@bo-ngoai.example",
            )
        assert (await client.get(f"/api/meetings/{meeting_id}")).status_code == 200


async def test_a_change_read_before_it_committed_is_not_kept() -> None:
    """A lookup that read the old row before a change committed, and finishes after the
    change was heard, must not put the old row back for the cache's whole time."""
    from ecabinet.auth.actor import Actor
    from ecabinet.models import LoginSession, Person

    cache = ActorCache(3600)
    person = Person(id=7, full_name="Người member")
    stale = Actor(person=person, login=LoginSession(id=3, person_id=7, token_hash="x"))
    epoch = cache.epoch  # the lookup starts
    cache.forget(logins=[3])  # the sign-out commits meanwhile
    cache.put("x", stale, epoch)  # the lookup ends
    assert cache.get("x") is None
    cache.put("x", stale, cache.epoch)
    assert cache.get("x") is stale


async def test_one_cache_per_process_on_sqlite_one_per_database_on_postgresql(
    db: Database, settings: Settings
) -> None:
    """SQLite has one server process: every app on its file shares the cache, so a change
    made through any of them is heard. On PostgreSQL each Database stands for a process
    and hears the others by LISTEN/NOTIFY."""
    other = Database(settings.database_url)
    try:
        shared = cache_for(other, settings) is cache_for(db, settings)
    finally:
        await other.dispose()
    assert shared == db.is_sqlite


async def test_a_stale_cached_sign_in_cannot_reopen_its_login(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    """The notice of a sign-out is lost (here: the login ended by hand, behind the
    server's back). The cached copy may still read for a few seconds, but a fresh passkey
    check through it is refused and leaves the login ended."""
    seats = await seat_people(db, settings)
    device = authenticator(settings)
    await enroll(client, seats["member"].token, device)
    client.cookies.clear()
    await sign_in(client, device)
    assert (await client.get("/api/me")).status_code == 200  # now cached
    async with db.engine.begin() as connection:
        await connection.execute(text("UPDATE login_session SET ended_at = CURRENT_TIMESTAMP"))
    fresh = (await client.post("/api/session/fresh/options", json={})).json()
    confirmed = await client.post("/api/session/fresh", json={"credential": device.assert_(fresh)})
    assert confirmed.status_code == 401, confirmed.text
    async with db.read() as session:
        ended = (await session.exec(select(LoginSession.ended_at))).all()
    assert ended and all(at is not None for at in ended)
