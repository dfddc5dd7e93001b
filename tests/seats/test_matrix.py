"""The seats x channels leak matrix (issue 12, item 3), generated: every seat kind of
``ecabinet.actions.seat_view`` (and nobody signed in) against every channel that shows a
meeting (pages, APIs, downloads, search, calendar, live snapshot, websocket frames),
against a real server holding one seeded world (tests/seats/world.py).

For each pair the test asks every target (the meeting in session, the draft, the other
body's meeting, their items' documents) and asserts: no 5xx; a target the seat may not
see is refused; and no marker of anything the seat may not see (a meeting's or item's
title, a document's title or text, who attends, a position, a comment, a named result)
appears anywhere in the answer."""

from __future__ import annotations

import asyncio
import io
import json
import shutil
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from pypdf import PdfReader
from sqlalchemy.engine import make_url
from starlette.types import ASGIApp
from websockets.asyncio.client import connect
from websockets.typing import Origin

from ecabinet.app import create_app
from ecabinet.db import Database
from ecabinet.settings import Settings

from ..support.database import PG_URL, on_postgres, pg_admin, run_blocking
from ..support.live import live_settings
from ..support.serving import serving
from .world import (
    COMMENT,
    DOCUMENTS,
    ITEM_MARKERS,
    MEETING_MARKERS,
    MEMBER_NAME,
    OPEN_VOTE,
    POSITION,
    RESULT,
    SEATS,
    STAND_IN_NAME,
    World,
    build,
    close,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

MEMBERS = ("chair", "member", "stand_in", "observer")


def forbidden(seat: str) -> set[str]:
    """Every marker this seat must never receive, from the security model's rules."""
    body_a = {
        *[MEETING_MARKERS[m] for m in ("M", "D")],
        *[ITEM_MARKERS[i] for i in ("ALPHA", "BRAVO", "DI")],
        *[
            marker
            for name, (_, title, text, _) in DOCUMENTS.items()
            if name != "GDOC"
            for marker in (title, text)
        ],
        MEMBER_NAME,
        STAND_IN_NAME,
        POSITION,
        COMMENT,
        RESULT,
        OPEN_VOTE,
    }
    body_b = {MEETING_MARKERS["G"], ITEM_MARKERS["GI"], "GOLFDOC", "GOLFBYTES"}
    draft = {MEETING_MARKERS["D"], ITEM_MARKERS["DI"], "DRAFTDOC", "DRAFTBYTES"}
    if seat == "secretariat":
        return body_b
    if seat in MEMBERS:
        # Only the chair and the secretariat see who gave which position (and its author).
        return body_b | draft | ({POSITION} if seat not in ("chair", "member") else set())
    if seat == "guest":
        return (
            body_b
            | draft
            | {
                ITEM_MARKERS["BRAVO"],
                "BRAVODOC",
                "BRAVOBYTES",
                "MIKEBYTES",
                MEMBER_NAME,
                STAND_IN_NAME,
                POSITION,
                COMMENT,
                RESULT,
            }
        )
    if seat == "display":
        # The room's screen: titles, who is present, votes and results; no document, no
        # position, no comment, nobody absent.
        return (
            body_b
            | draft
            | {
                marker
                for name, (_, title, text, _) in DOCUMENTS.items()
                for marker in (title, text)
            }
            | {POSITION, COMMENT, STAND_IN_NAME}
        )
    if seat == "outsider":
        return body_a
    return body_a | body_b


def refused_targets(seat: str) -> set[str]:
    """The targets (meetings, documents) this seat must be refused outright."""
    seen = {
        "secretariat": {"M", "D", "ADOC", "MDOC", "BDOC", "DDOC"},
        "guest": {"M", "ADOC"},
        "outsider": {"G", "GDOC"},
        "display": {"M"},
        "anonymous": set(),
    }.get(seat, {"M", "ADOC", "MDOC", "BDOC"})
    return {"M", "D", "G", "ADOC", "MDOC", "BDOC", "DDOC", "GDOC"} - seen


# Each channel: the addresses it answers, with a target (a meeting or document) or none.
MEETING_CHANNELS: dict[str, tuple[str, ...]] = {
    "packet page": ("/meetings/{m}",),
    "meeting api": ("/api/meetings/{m}",),
    "book": ("/meetings/{m}/book", "/meetings/{m}/book.pdf"),
    "live snapshot": ("/api/meetings/{m}/session", "/api/meetings/{m}/live"),
    "tablet page": ("/meetings/{m}/live",),
    "room display": ("/meetings/{m}/display", "/api/meetings/{m}/display"),
    "minutes pages": ("/meetings/{m}/minutes", "/api/meetings/{m}/minutes"),
    "minutes downloads": ("/meetings/{m}/minutes.pdf", "/meetings/{m}/notice.pdf"),
    "positions": (
        "/meetings/{m}/positions",
        "/api/meetings/{m}/positions",
        "/api/meetings/{m}/positions/me",
    ),
    "triage": ("/meetings/{m}/triage", "/api/meetings/{m}/triage"),
    "matrix export": ("/meetings/{m}/matrix", "/meetings/{m}/matrix.csv"),
    "attendance": ("/meetings/{m}/attendance", "/api/meetings/{m}/attendance-plans"),
    "workspace": ("/workspace/meetings/{m}",),
}
DOCUMENT_CHANNELS: dict[str, tuple[str, ...]] = {
    "document api": ("/api/documents/{d}", "/api/versions/{v}"),
    "document file": ("/api/versions/{v}/file", "/api/versions/{v}/pages/1.png"),
    "document text": ("/api/versions/{v}/text.json", "/api/versions/{v}/pages/1/text.json"),
    "reader": ("/versions/{v}", "/documents/{d}/compare"),
    "comments": (
        "/api/versions/{v}/comments",
        "/versions/{v}/comments",
        "/api/documents/{d}/comments/report.pdf",
    ),
    "annotations": ("/api/versions/{v}/annotations",),
    # Nothing is presented: a display is refused every page; a person, as the file.
    "presented page": ("/api/meetings/{{M}}/presented/{v}/1.png",),
}
PERSON_CHANNELS: dict[str, tuple[str, ...]] = {
    "meeting lists": (
        "/",
        "/meetings",
        "/api/meetings",
        "/api/bodies/{A}/meetings",
        "/api/bodies/{B}/meetings",
    ),
    "search": ("/search?q=sealword", "/api/search?q=sealword"),
    "open for me": ("/open", "/api/me/open"),
    "notifications": ("/notifications", "/api/me/notifications"),
    "calendar": ("/calendar/{calendar}.ics", "/me/calendar"),
    "offline manifest": ("/api/offline/manifest",),
    "tasks export": ("/bodies/{A}/tasks", "/api/bodies/{A}/tasks", "/bodies/{A}/tasks.csv"),
    "polls": ("/bodies/{A}/polls", "/api/bodies/{A}/polls"),
    "workspace list": ("/workspace",),
    "people": ("/bodies/{A}/people",),
    "display seat": ("/display", "/bodies/{A}/displays"),
    "item pages": (
        "/api/items/{ALPHA}/note",
        "/api/items/{BRAVO}/note",
        "/api/items/{BRAVO}/positions/{member_seat}/history",
    ),
}
CHANNELS = (*MEETING_CHANNELS, *DOCUMENT_CHANNELS, *PERSON_CHANNELS, "websocket")


@pytest.fixture(scope="module")
def module_database(
    template_database: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if on_postgres():
        name = f"ecab_m_{uuid.uuid4().hex[:12]}"
        run_blocking(pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"'))
        yield str(make_url(PG_URL).set(database=name).render_as_string(hide_password=False))
        run_blocking(pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    else:
        path = tmp_path_factory.mktemp("seats") / "ecabinet.db"
        shutil.copyfile(template_database, path)
        yield f"sqlite+aiosqlite:///{path}"


@pytest.fixture(scope="module")
def served(module_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    made: list[Settings] = []
    root = tmp_path_factory.mktemp("seats-data")

    def app(port: int) -> ASGIApp:
        made.append(live_settings(module_database, Path(root), port, heartbeat=30))
        return create_app(made[0])

    with serving(app):
        yield made[0]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(served: Settings) -> AsyncIterator[World]:
    db = Database(served.database_url)
    try:
        seeded = await build(db, served)
    finally:
        await db.dispose()
    yield seeded
    await close(seeded)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def frames_seen(world: World) -> dict[str, list[str]]:
    """What each seat's websocket receives while it watches each meeting and the chair
    closes the vote on ALPHA (a state frame goes to every watcher)."""
    port = int(world.settings.origin.rsplit(":", 1)[1])
    seen: dict[str, list[str]] = {seat: [] for seat in SEATS if seat != "anonymous"}
    sockets = {}
    for seat in seen:
        cookie = "ecab_display" if seat == "display" else "ecab_session"
        token = world.clients[seat].cookies[cookie]
        sockets[seat] = await connect(
            f"ws://localhost:{port}/ws",
            origin=Origin(world.settings.origin),
            proxy=None,
            additional_headers={"Cookie": f"{cookie}={token}; ecab_lang=en"},
            compression=None,
            open_timeout=5,
        )
    try:
        for seat, ws in sockets.items():
            for meeting in ("M", "D", "G"):
                await ws.send(json.dumps({"type": "watch", "meeting": world.ids[meeting]}))
                await _drain(ws, seen[seat], 0.3)
            await ws.send(json.dumps({"type": "watch", "meeting": world.ids["M"]}))
            await _drain(ws, seen[seat], 0.3)
        closed = await world.clients["chair"].post(
            f"/api/polls/{world.ids['alpha_poll']}/close", json={}
        )
        assert closed.status_code == 200, closed.text
        for seat, ws in sockets.items():
            await _drain(ws, seen[seat], 1.5, until="state")
    finally:
        for ws in sockets.values():
            await ws.close()
    return seen


async def _drain(ws: object, into: list[str], seconds: float, until: str = "") -> None:
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            message = await asyncio.wait_for(ws.recv(), left)  # type: ignore[attr-defined]
        except TimeoutError:
            return
        into.append(str(message))
        if until and json.loads(message).get("type") == until:
            return


def _text(response: httpx.Response) -> str:
    kind = response.headers.get("content-type", "")
    if kind.startswith("application/pdf") and response.status_code == 200:
        reader = PdfReader(io.BytesIO(response.content))
        return "\n".join(page.extract_text() or "" for page in reader.pages)
    if kind.startswith("image/"):
        return ""
    return (
        json.dumps(response.json(), ensure_ascii=False)
        if kind.startswith("application/json")
        else response.text
    )


def _targets(channel: str, world: World) -> list[tuple[str | None, str]]:
    ids = world.ids
    if channel in MEETING_CHANNELS:
        return [
            (m, path.format(m=ids[m]))
            for m in ("M", "D", "G")
            for path in MEETING_CHANNELS[channel]
        ]
    if channel in DOCUMENT_CHANNELS:
        return [
            (d, path.format(d=ids[d], v=ids[d.replace("DOC", "V")]))
            for d in DOCUMENTS
            for path in DOCUMENT_CHANNELS[channel]
        ]
    return [(None, path) for path in PERSON_CHANNELS[channel]]


def _refused(response: httpx.Response) -> bool:
    """Refused, or (nobody signed in, a page) sent to sign in."""
    if response.status_code == 303:
        return response.headers["location"].startswith("/signin")
    return response.status_code in (401, 403, 404)


def _leaks(text: str, seat: str) -> list[str]:
    return sorted(marker for marker in forbidden(seat) if marker in text)


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("seat", SEATS)
async def test_no_seat_receives_more_than_it_may_see(
    world: World, frames_seen: dict[str, list[str]], seat: str, channel: str
) -> None:
    if channel == "websocket":
        if seat == "anonymous":
            return  # refused at the handshake: tests/live/test_websocket.py
        received = "\n".join(frames_seen[seat])
        # Every seat that sees the meeting in session got its state when the vote closed.
        if "M" not in refused_targets(seat):
            assert '"type":"state"' in received, (seat, frames_seen[seat])
        assert _leaks(received, seat) == [], (seat, received[:2000])
        return
    client = world.clients[seat]
    calendar = world.calendars.get(seat, "0" * 32)
    values = {**{k: str(v) for k, v in world.ids.items()}, "calendar": calendar}
    refused = refused_targets(seat)
    for target, template in _targets(channel, world):
        path = template.format(**values) if "{" in template else template
        response = await client.get(path)
        assert response.status_code < 500, (seat, path, response.status_code, response.text)
        if target in refused:
            assert _refused(response), (seat, path, response.status_code)
        text = _text(response)
        assert _leaks(text, seat) == [], (seat, path, _leaks(text, seat))


@pytest.mark.parametrize("seat", SEATS)
async def test_each_seat_does_see_what_it_may(world: World, seat: str) -> None:
    """The other half: the markers are real, each seat finds its own things."""
    client, ids = world.clients[seat], world.ids
    expected = {
        "secretariat": {("/meetings/{D}", "DRAFTITEM"), ("/api/search?q=sealword", "BRAVOBYTES")},
        "guest": {
            ("/meetings/{M}", "ALPHAITEM"),
            ("/api/meetings/{M}/session", "ALPHAITEM"),
            ("/api/search?q=sealword", "ALPHABYTES"),
        },
        "outsider": {("/meetings/{G}", "GOLFITEM"), ("/api/search?q=sealword", "GOLFBYTES")},
        "display": {
            ("/api/meetings/{M}/display", "BRAVOITEM"),
            ("/api/meetings/{M}/display", MEMBER_NAME),
        },
        "anonymous": set(),
    }.get(
        seat,
        {
            ("/meetings/{M}", "BRAVOITEM"),
            ("/api/search?q=sealword", "BRAVOBYTES"),
            ("/api/meetings/{M}/session", MEMBER_NAME),
            ("/meetings/{M}/book.pdf", "BRAVOBYTES"),
        },
    )
    for template, marker in expected:
        response = await client.get(template.format(**ids))
        assert response.status_code == 200, (seat, template, response.text)
        assert marker in _text(response), (seat, template, marker)
    if seat in ("chair", "secretariat"):
        matrix = await client.get(f"/api/meetings/{ids['M']}/positions")
        assert POSITION in matrix.text
