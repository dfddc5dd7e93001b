"""Follow the presenter: the chair shows a page of a document of the item being taken on
the room displays (and, if chosen, on every tablet). Only the chair or the secretariat
presents; the display seat draws that page and no other, never a document of another
item, and never one classified above the body's rule; every step is audited."""

from __future__ import annotations

from typing import Any

import httpx
from starlette.applications import Starlette

from ecabinet.db import Database
from ecabinet.events import KINDS, Audience, EventKind, Presented
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
from ..support.packets import make_pdf


async def _upload(
    secretariat: Tablet, item: int, title: str, pages: int, level: str = "public"
) -> dict[str, Any]:
    form = {"title": title, "classification": level}
    if level != "public" and level != "internal":
        form["basis"] = "Khoản 2 Điều 7 Luật Bảo vệ bí mật nhà nước"
    uploaded = await secretariat.client.post(
        f"/api/items/{item}/documents",
        data=form,
        files={"file": ("du-thao.pdf", make_pdf(pages), "application/pdf")},
    )
    assert uploaded.status_code == 201, uploaded.text
    answer: dict[str, Any] = uploaded.json()
    return answer


def test_presenting_is_a_typed_live_event() -> None:
    spec = KINDS[EventKind.PRESENTATION_CHANGED]
    assert spec.audience == Audience.MEETING and spec.payload is Presented


async def test_the_chair_presents_a_page_the_display_draws_and_nothing_else(
    app: Starlette,
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    tablets: list[Tablet],
) -> None:
    live = await make_session(db, settings)
    secretariat = await role_tablet(client, settings, live, "secretariat", tablets)
    chair = await role_tablet(client, settings, live, "chair", tablets)
    member = await role_tablet(client, settings, live, "member", tablets)
    meeting, item, later = live.meeting_id, live.items[1], live.items[2]
    shown = await _upload(secretariat, item, "Dự thảo Nghị định", 3)
    secret = await _upload(secretariat, item, "Báo cáo mật", 2, "mat")
    other = await _upload(secretariat, later, "Tờ trình khác", 2)
    screen = await display_screen(
        app, settings, await issue_display_link(secretariat, live.body_id, "Phòng A")
    )
    url = f"/api/meetings/{meeting}/presentation"

    # Nothing can be presented before an item is taken.
    early = await chair.client.post(url, json={"document": shown["document"]["id"], "page": 1})
    assert early.status_code == 409 and "no item is being taken" in early.json()["detail"]
    await attend(db, meeting, live.seats["chair"], live.seats["member"])
    await chair.client.post(f"/api/meetings/{meeting}/session/open", json={})
    await chair.client.post(f"/api/meetings/{meeting}/session/next", json={"item": item})

    # Only the chair or the secretariat presents; not a member, nor the display itself.
    asked = {"document": shown["document"]["id"], "page": 2, "follow": True}
    refused = await member.client.post(url, json=asked)
    assert refused.status_code == 403 and "Only the chair" in refused.json()["detail"]
    assert (await screen.post(url, json=asked)).status_code in (401, 403)
    # Only a document of the item being taken, a page it has, and nothing classified
    # above what the body lets its displays show.
    wrong_item = await chair.client.post(url, json={**asked, "document": other["document"]["id"]})
    assert wrong_item.status_code == 409
    assert (
        wrong_item.json()["detail"] == "Only a document of the item being taken can be presented."
    )
    no_page = await chair.client.post(url, json={**asked, "page": 4})
    assert no_page.status_code == 422 and "pages 1 to 3" in no_page.json()["detail"]
    classified = await chair.client.post(url, json={**asked, "document": secret["document"]["id"]})
    assert classified.status_code == 403
    assert classified.json()["type"].endswith("not-for-the-display")
    assert "classified (mat)" in classified.json()["detail"]

    presented = await chair.client.post(url, json=asked)
    assert presented.status_code == 200, presented.text
    version = shown["id"]
    expected = {
        "document": shown["document"]["id"],
        "title": "Dự thảo Nghị định",
        "version": version,
        "page": 2,
        "pages": 3,
        "follow": True,
    }
    assert presented.json()["presenting"] == expected
    # The member's tablet and the display see what is presented.
    assert (await member.client.get(f"/api/meetings/{meeting}/session")).json()[
        "presenting"
    ] == expected
    assert (await screen.get(f"/api/meetings/{meeting}/display")).json()["presenting"] == expected

    # The display draws the presented page, and no other page or document.
    page = await screen.get(f"/api/meetings/{meeting}/presented/{version}/2.png?w=900")
    assert page.status_code == 200 and page.content.startswith(b"\x89PNG")
    for refused_url in (
        f"/api/meetings/{meeting}/presented/{version}/1.png",
        f"/api/meetings/{meeting}/presented/{secret['id']}/1.png",
        f"/api/meetings/{meeting}/presented/{other['id']}/1.png",
    ):
        answer = await screen.get(refused_url)
        assert answer.status_code == 403, refused_url
        assert "only the page being presented" in answer.json()["detail"]
    for stranger_url in (
        f"/api/versions/{version}/pages/2.png",
        f"/api/versions/{version}/file",
        f"/api/documents/{shown['document']['id']}",
    ):
        assert (await screen.get(stranger_url)).status_code == 401, stranger_url
    # A person reads the page through their own access to the document.
    redirected = await member.client.get(f"/api/meetings/{meeting}/presented/{version}/2.png")
    assert redirected.status_code == 303
    assert redirected.headers["location"] == f"/api/versions/{version}/pages/2.png?w=1200"
    # Nobody signed in and no display: a stranger.
    stranger = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=settings.origin)
    assert (
        await stranger.get(f"/api/meetings/{meeting}/presented/{version}/2.png")
    ).status_code == 401
    await stranger.aclose()

    # Stopped by the secretariat: the display draws nothing any more.
    stopped = await secretariat.client.post(f"{url}/stop", json={})
    assert stopped.status_code == 200 and stopped.json()["presenting"] is None
    assert (
        await screen.get(f"/api/meetings/{meeting}/presented/{version}/2.png")
    ).status_code == 403
    again = await secretariat.client.post(f"{url}/stop", json={})
    assert again.status_code == 409 and again.json()["detail"] == "Nothing is being presented."

    # A presentation left over from an earlier item is shown nowhere.
    await chair.client.post(url, json=asked)
    await chair.client.post(f"/api/items/{item}/conclusion", json={"text": "Đồng ý."})
    await chair.client.post(f"/api/meetings/{meeting}/session/next", json={"item": later})
    assert (await screen.get(f"/api/meetings/{meeting}/display")).json()["presenting"] is None
    assert (
        await screen.get(f"/api/meetings/{meeting}/presented/{version}/2.png")
    ).status_code == 403

    kinds = await audit_kinds(db, "presentation.")
    assert kinds.count("presentation.shown") == 2 and "presentation.stopped" in kinds
    # The refusals that matter for security are on the record too.
    refused_kinds = await audit_kinds(db, "refused.")
    assert "refused.not-for-the-display" in refused_kinds
    assert "refused.forbidden" in refused_kinds
    await screen.aclose()
