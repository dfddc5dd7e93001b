"""A room display enrolled as a display seat: the secretariat issues a one-time link
(audited), the projector confirms it and gets a cookie of its own; with it the projector
sees the room display of its body's meetings and nothing else: no documents, no
positions, no packet, no tablet snapshot, no other body, no vote; revoking it is
immediate and audited."""

from __future__ import annotations

import re

import httpx
from starlette.applications import Starlette

from ecabinet.actions.bodies import create_body
from ecabinet.db import Database
from ecabinet.models import Document, Meeting, utcnow
from ecabinet.settings import Settings

from ..support.live import (
    Tablet,
    attend,
    audit_kinds,
    display_screen,
    issue_display_link,
    make_session,
    role_tablet,
)


async def add_document(db: Database, body_id: int, item_id: int) -> int:
    async with db.transaction() as tx:
        document = Document(body_id=body_id, item_id=item_id, title="Dự thảo Nghị định")
        tx.session.add(document)
        await tx.session.flush()
        assert document.id is not None
        return document.id


async def test_a_display_seat_sees_the_room_display_and_nothing_else(
    app: Starlette,
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    tablets: list[Tablet],
) -> None:
    live = await make_session(db, settings, extra_members=1)
    secretariat = await role_tablet(client, settings, live, "secretariat", tablets)
    chair = await role_tablet(client, settings, live, "chair", tablets)
    meeting, item = live.meeting_id, live.items[1]
    path = await issue_display_link(secretariat, live.body_id, "Phòng họp A – màn hình trái")
    screen = await display_screen(app, settings, path)
    # The link works once.
    again = await httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=settings.origin
    ).get(f"/{path}")
    assert again.status_code == 409

    # The projector finds its body's meeting and shows its display.
    start = await screen.get("/display")
    assert start.status_code == 303 and start.headers["location"] == f"/meetings/{meeting}/display"
    page = await screen.get(f"/meetings/{meeting}/display")
    assert page.status_code == 200 and 'data-view="display"' in page.text
    assert "/static/js/live.js" in page.text

    await attend(db, meeting, live.seats["chair"], live.seats["member"])
    await chair.client.post(f"/api/meetings/{meeting}/session/open", json={})
    await chair.client.post(f"/api/meetings/{meeting}/session/next", json={})
    await chair.client.post(f"/api/items/{item}/conclusion", json={"text": "Đồng ý."})
    state = (await screen.get(f"/api/meetings/{meeting}/display")).json()
    assert state["phase"] == "item" and state["quorum"]["present"] == 2
    # Who is present, by name; not who is absent, nor the chair's conclusion text.
    assert sorted(a["name"] for a in state["attendance"]) == ["Người chair", "Người member"]
    assert all("conclusion" not in entry for entry in state["agenda"])
    assert "me" not in state

    # Everything else answers it as it answers a stranger.
    document = await add_document(db, live.body_id, item)
    # /api/meetings/{id} is the packet: the agenda with every document.
    for url in (
        f"/api/meetings/{meeting}/session",
        f"/api/meetings/{meeting}",
        f"/api/meetings/{meeting}/positions",
        f"/api/documents/{document}",
        f"/api/meetings/{meeting}/positions/me",
        "/api/versions/1/file",
        "/api/versions/1/text.json",
        f"/api/documents/{document}/comments/report.pdf",
        "/api/me",
        "/api/meetings",
        f"/api/bodies/{live.body_id}/meetings",
    ):
        refused = await screen.get(url)
        assert refused.status_code == 401, (url, refused.status_code)
    for url in (
        f"/meetings/{meeting}",
        f"/meetings/{meeting}/live",
        "/meetings",
        f"/meetings/{meeting}/book",
        f"/meetings/{meeting}/positions",
        f"/bodies/{live.body_id}/displays",
    ):
        refused = await screen.get(url)
        assert refused.status_code == 303 and refused.headers["location"].startswith("/signin"), url
    # It cannot vote, check in, or ask for the floor.
    for url in (
        f"/api/meetings/{meeting}/checkin/options",
        f"/api/meetings/{meeting}/speakers",
        f"/api/items/{item}/polls",
    ):
        assert (await screen.post(url, json={})).status_code in (401, 403), url

    # Only the secretariat enrolls displays; issuing and enrolling are audited.
    member = await role_tablet(client, settings, live, "member", tablets)
    assert (
        await member.client.post(f"/bodies/{live.body_id}/displays", data={"name": "x"})
    ).status_code == 403
    assert {"display.issued", "display.enrolled"} <= set(await audit_kinds(db, "display."))

    # Revoked: at once, audited, and the projector is a stranger again.
    listing = await secretariat.client.get(f"/bodies/{live.body_id}/displays")
    display_id = re.search(r'action="/displays/(\d+)/revoke"', listing.text)
    assert display_id is not None
    revoked = await secretariat.client.post(f"/displays/{display_id.group(1)}/revoke")
    assert revoked.status_code == 303
    assert (await screen.get(f"/api/meetings/{meeting}/display")).status_code == 401
    assert "display.revoked" in await audit_kinds(db, "display.")
    await screen.aclose()


async def test_a_display_shows_only_its_own_bodys_published_meetings(
    app: Starlette,
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    tablets: list[Tablet],
) -> None:
    live = await make_session(db, settings)
    secretariat = await role_tablet(client, settings, live, "secretariat", tablets)
    screen = await display_screen(
        app, settings, await issue_display_link(secretariat, live.body_id, "Phòng họp B")
    )
    # A meeting that does not exist, or is another body's, is refused.
    missing = await screen.get("/api/meetings/9999/display")
    assert missing.status_code == 404
    async with db.transaction() as tx:
        body = await create_body(tx, actor_id=None, slug="ubnd", name="Ủy ban nhân dân")
        assert body.id is not None
        foreign = Meeting(
            body_id=body.id, title="Phiên họp UBND", starts_at=utcnow(), state="published"
        )
        tx.session.add(foreign)
        await tx.session.flush()
        foreign_id = foreign.id
    refused = await screen.get(f"/api/meetings/{foreign_id}/display")
    assert refused.status_code == 403
    assert "another body" in refused.json()["detail"]
    await screen.aclose()
