"""Every route checks its actor on the server: anonymous x every route, and a matrix of
roles (anonymous, observer, member, secretariat, chair, admin) x the sensitive routes."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Route

from ecabinet.actions.agenda import add_item
from ecabinet.actions.meetings import create_meeting, publish_meeting
from ecabinet.db import Database
from ecabinet.models import Body, utcnow
from ecabinet.settings import Settings
from ecabinet.vocab import ItemKind

from .support.factories import ROLES, authenticator, enroll, seat_people
from .support.polls import open_poll

# The only routes a person who is not signed in may use: reading the start page, signing
# in or enrolling, checking minutes and the member key registers they are checked
# against, the API's description, the probes, the private calendar feed (its secret
# address is the key; a wrong or revoked one answers 404), a room display's
# (tests/live/test_display_seat.py), and the operators' metrics.
PUBLIC = {
    ("GET", "/"),
    ("POST", "/language"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/enroll/{token}"),
    ("GET", "/signin"),
    ("POST", "/signout"),
    ("GET", "/minutes/verify"),
    ("POST", "/minutes/verify"),
    ("GET", "/sw.js"),
    # What the tablet shows for a page it does not keep offline: no data, only the words.
    ("GET", "/offline"),
    ("GET", "/api/openapi.json"),
    ("GET", "/api/offline/manifest"),
    ("POST", "/api/enrollments/{token}/options"),
    ("POST", "/api/enrollments/{token}"),
    ("POST", "/api/session/options"),
    ("POST", "/api/session"),
    ("DELETE", "/api/session"),
    ("GET", "/calendar/{token}.ics"),
    ("GET", "/bodies/{body}/key-register.pdf"),
    ("GET", "/bodies/{body}/key-register/{revision}.pdf"),
    # A room display is nobody: its display-seat cookie (or a person's session) is checked
    # by the view itself; without either they answer as every other route does.
    ("GET", "/display"),
    ("GET", "/display/enroll/{token}"),
    ("POST", "/display/enroll/{token}"),
    ("GET", "/meetings/{meeting}/display"),
    ("GET", "/api/meetings/{meeting}/display"),
    ("GET", "/api/meetings/{meeting}/presented/{version}/{page}.png"),
    # The operators' counters: by address or token, not by session (tests/test_metrics.py).
    ("GET", "/metrics"),
}


def _concrete(path: str) -> str:
    return re.sub(r"\{\w+(:\w+)?\}", "1", path)


def _routes(app: Starlette) -> list[tuple[str, str]]:
    return sorted(
        (method, route.path)
        for route in app.routes
        if isinstance(route, Route)
        for method in (route.methods or set())
        if method != "HEAD"
    )


async def test_anonymous_is_refused_everywhere_but_the_public_routes(
    client: httpx.AsyncClient, app: Starlette, db: Database, settings: Settings
) -> None:
    await seat_people(db, settings)
    routes = _routes(app)
    assert set(routes) >= PUBLIC
    for method, path in routes:
        if (method, path) in PUBLIC:
            continue
        response = await client.request(
            method, _concrete(path), json=None if method == "GET" else {}
        )
        if path.startswith("/api/"):
            assert response.status_code == 401, (method, path, response.status_code)
            assert response.headers["content-type"] == "application/problem+json"
        else:
            assert response.status_code == 303, (method, path, response.status_code)
            assert response.headers["location"].startswith("/signin")


async def _signed_in(app: Starlette, settings: Settings, token: str) -> httpx.AsyncClient:
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=settings.origin)
    response = await enroll(http, token, authenticator(settings))
    assert response.status_code == 201
    return http


@pytest.fixture
async def world(
    app: Starlette, db: Database, settings: Settings
) -> AsyncIterator[dict[str, object]]:
    seats = await seat_people(db, settings)
    body_id = seats["member"].body_id
    async with db.transaction() as tx:
        body = await tx.session.get(Body, body_id)
        assert body is not None
        meeting = await create_meeting(
            tx, actor_id=None, body=body, title="Phiên họp", starts_at=utcnow() + timedelta(days=7)
        )
        await add_item(
            tx, actor_id=None, meeting=meeting, title="Nội dung 1", kind=ItemKind.DECISION
        )
        await publish_meeting(tx, actor_id=None, meeting=meeting)
    poll, question = await open_poll(db, body_id)
    clients = {role: await _signed_in(app, settings, seats[role].token) for role in ROLES}
    yield {
        "seats": seats,
        "meeting": meeting.id,
        "poll": poll,
        "question": question,
        "body": body_id,
        "clients": clients,
    }
    for http in clients.values():
        await http.aclose()


# (method, path template, body, {role: expected status}); "anonymous" is always 401.
MATRIX: list[tuple[str, str, dict[str, object] | str | None, dict[str, int]]] = [
    (
        "GET",
        "/api/me",
        None,
        {"observer": 200, "member": 200, "secretariat": 200, "chair": 200, "admin": 200},
    ),
    (
        "GET",
        "/api/people/{member}/passkeys",
        None,
        {"observer": 403, "member": 403, "secretariat": 200, "chair": 403, "admin": 200},
    ),
    # The member already has a passkey: nobody alone may issue them another link.
    (
        "POST",
        "/api/people/{member}/enrollments",
        {},
        {"observer": 403, "member": 403, "secretariat": 403, "chair": 403, "admin": 403},
    ),
    (
        "GET",
        "/api/people/{member}/recovery",
        None,
        {"observer": 403, "member": 403, "secretariat": 200, "chair": 403, "admin": 403},
    ),
    (
        "POST",
        "/api/polls/{poll}/ballots/options",
        "ballot",
        {"observer": 403, "member": 200, "secretariat": 403, "chair": 200, "admin": 403},
    ),
    (
        "GET",
        "/api/meetings/{meeting}/positions",
        None,
        {"observer": 403, "member": 403, "secretariat": 200, "chair": 200, "admin": 403},
    ),
    (
        "GET",
        "/bodies/{body}/people",
        None,
        {"observer": 403, "member": 403, "secretariat": 200, "chair": 403, "admin": 200},
    ),
]


@pytest.mark.parametrize(
    ("method", "template", "body", "expected"), MATRIX, ids=[f"{m} {t}" for m, t, _, _ in MATRIX]
)
async def test_role_matrix(
    world: dict,  # type: ignore[type-arg]
    client: httpx.AsyncClient,
    method: str,
    template: str,
    body: object,
    expected: dict[str, int],
) -> None:
    path = template.format(
        member=world["seats"]["member"].person_id,
        poll=world["poll"],
        meeting=world["meeting"],
        body=world["body"],
    )
    payload = {"question": world["question"], "choice": "for"} if body == "ballot" else body
    anonymous = await client.request(method, path, json=payload)
    assert anonymous.status_code in {401, 303}
    for role, status in expected.items():
        response = await world["clients"][role].request(method, path, json=payload)
        assert response.status_code == status, (role, response.status_code, response.text[:200])
