"""The pages: the member's meetings, the agenda, the viewer and the secretariat's
workspace render, show the classification with its basis everywhere, and obey the CSP."""

from __future__ import annotations

import re

import httpx

from ecabinet.db import Database

from .support.packets import (
    People,
    attach,
    make_pdf,
    new_item,
    new_meeting,
    upload,
)

BASIS = "Điểm c khoản 1 Danh mục bí mật nhà nước lĩnh vực kế hoạch và đầu tư"


def _csp_clean(html: str) -> None:
    # Data blocks (type application/json, the live notices' texts) are never run.
    assert not re.search(r'<script(?![^>]*\b(?:src=|type="application/json"))[^>]*>', html), (
        "inline script"
    )
    assert " style=" not in html and "onclick" not in html.lower()


async def _page(client: httpx.AsyncClient, url: str) -> str:
    response = await client.get(url)
    assert response.status_code == 200, (url, response.text[:500])
    _csp_clean(response.text)
    return response.text


async def test_every_view_shows_the_classification_and_its_basis(people: People) -> None:
    meeting_id = (await new_meeting(people))["id"]
    item_id = await new_item(people, meeting_id, "Đề án phát triển hạ tầng số")
    secret = await attach(
        people, item_id, classification="mat", basis=BASIS, title="Báo cáo thẩm tra"
    )
    workspace = await _page(people["secretariat"], f"/workspace/meetings/{meeting_id}")
    assert "Báo cáo thẩm tra" in workspace and BASIS in workspace
    assert "Confidential (Mật)" in workspace
    assert 'data-reorder-url="/api/meetings/' in workspace
    assert 'data-upload="/api/items/' in workspace
    await people["secretariat"].post(f"/api/meetings/{meeting_id}/publish", json={})

    member = people["member"]
    home = await _page(member, "/meetings")
    assert "Phiên họp Chính phủ thường kỳ tháng 6" in home
    agenda = await _page(member, f"/meetings/{meeting_id}")
    assert "Đề án phát triển hạ tầng số" in agenda and BASIS in agenda
    assert f'href="/versions/{secret["id"]}"' in agenda
    viewer = await _page(member, f"/versions/{secret['id']}")
    assert BASIS in viewer and "Confidential (Mật)" in viewer
    assert 'data-pages="2"' in viewer
    assert "carries your name, the time and a code" in viewer


async def test_the_agenda_flags_a_changed_version(people: People) -> None:
    meeting_id = (await new_meeting(people))["id"]
    item_id = await new_item(people, meeting_id)
    version = await attach(people, item_id, title="Dự thảo Nghị định")
    await upload(
        people,
        f"/api/documents/{version['document']['id']}/versions",
        make_pdf(3),
        note="Sửa Điều 3 theo ý kiến Bộ Tư pháp",
    )
    await people["secretariat"].post(f"/api/meetings/{meeting_id}/publish", json={})
    agenda = await _page(people["member"], f"/meetings/{meeting_id}")
    assert "Changed: version 2" in agenda and "Not opened yet" in agenda
    assert "Sửa Điều 3 theo ý kiến Bộ Tư pháp" in agenda
    viewer = await _page(people["member"], f"/versions/{version['id']}")
    assert "Version 1 of 2" in viewer
    again = await _page(people["member"], f"/meetings/{meeting_id}")
    assert "Changed: version 2" in again, "opening version 1 does not clear the flag"


async def test_pages_refuse_with_a_page_that_says_why(people: People, db: Database) -> None:
    meeting_id = (await new_meeting(people))["id"]
    response = await people["member"].get(f"/meetings/{meeting_id}")
    assert response.status_code == 403
    assert "members see it once the secretariat publishes it" in response.text
    workspace = await people["member"].get("/workspace")
    assert workspace.status_code == 403
    assert "Only the secretariat of this body prepares its meetings." in workspace.text


async def test_workspace_lists_and_offers_a_new_meeting(people: People) -> None:
    await new_meeting(people)
    page = await _page(people["secretariat"], "/workspace")
    assert 'data-api="/api/bodies/' in page and 'name="startsAt"' in page
    assert "Phiên họp Chính phủ thường kỳ tháng 6" in page


async def test_signed_out_browser_is_sent_to_sign_in(client: httpx.AsyncClient) -> None:
    response = await client.get("/meetings")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/signin")


async def test_service_worker_is_served_from_the_root(client: httpx.AsyncClient) -> None:
    response = await client.get("/sw.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["cache-control"] == "no-cache"
    assert "/api/offline/manifest" in response.text
