"""Reading on the tablets: clearance, ETag/Range, rendered pages, changed flags, the
watermark on every page of a classified copy, the recall after the meeting closes, and
the offline manifest."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import col, select

from ecabinet.actions import reading
from ecabinet.db import Database
from ecabinet.models import AuditEvent

from .support.packets import (
    People,
    attach,
    make_pdf,
    new_item,
    new_meeting,
    open_and_close,
    set_clearance,
    upload,
)

BASIS = "Điểm a khoản 2 Danh mục bí mật nhà nước lĩnh vực tài chính"


async def _published(
    people: People, *, classification: str = "internal"
) -> tuple[int, int, dict[str, Any]]:
    meeting_id = (await new_meeting(people))["id"]
    item_id = await new_item(people, meeting_id)
    version = await attach(
        people,
        item_id,
        make_pdf(3),
        classification=classification,
        basis=BASIS if classification in {"mat", "toi_mat"} else "",
    )
    response = await people["secretariat"].post(f"/api/meetings/{meeting_id}/publish", json={})
    assert response.status_code == 200, response.text
    return meeting_id, item_id, version


async def _events(db: Database, kind: str) -> list[AuditEvent]:
    async with db.read() as session:
        return list(
            (
                await session.exec(
                    select(AuditEvent).where(AuditEvent.kind == kind).order_by(col(AuditEvent.seq))
                )
            ).all()
        )


def _pdf_pages(data: bytes, tmp_path: Path) -> list[str]:
    assert shutil.which("pdftotext"), "install poppler-utils: the test reads the PDF back"
    path = tmp_path / "copy.pdf"
    path.write_bytes(data)
    text = subprocess.run(
        ["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    ).stdout.decode("utf-8")
    return [page for page in text.split("\f") if page.strip()]


async def test_etag_range_and_private_caching(people: People, db: Database) -> None:
    _, _, version = await _published(people)
    member = people["member"]
    whole = await member.get(version["url"])
    assert whole.status_code == 200
    assert whole.headers["etag"] == f'"{version["sha256"]}"'
    assert whole.headers["cache-control"] == "private, no-cache"
    assert whole.headers["accept-ranges"] == "bytes"
    assert whole.headers["content-disposition"].startswith("inline;")
    assert len(whole.content) == version["size"]

    same = await member.get(version["url"], headers={"if-none-match": whole.headers["etag"]})
    assert (same.status_code, same.content) == (304, b"")
    part = await member.get(version["url"], headers={"range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 100-199/{version['size']}"
    assert part.content == whole.content[100:200]
    tail = await member.get(version["url"], headers={"range": "bytes=-10"})
    assert tail.content == whole.content[-10:]
    stale = await member.get(version["url"], headers={"range": "bytes=0-9", "if-range": '"x"'})
    assert stale.status_code == 200 and stale.content == whole.content
    beyond = await member.get(version["url"], headers={"range": f"bytes={version['size']}-"})
    assert beyond.status_code == 416
    assert beyond.headers["content-range"] == f"bytes */{version['size']}"
    downloads = await _events(db, "document.downloaded")
    assert len(downloads) == 4  # the 200s and 206s; not the 304 nor the 416
    assert {e.actor_id for e in downloads} == {people.seats["member"].person_id}


async def test_pages_render_as_png_with_etags(people: People) -> None:
    _, _, version = await _published(people)
    member = people["member"]
    page_url = version["pageUrl"].replace("{n}", "2")
    page = await member.get(page_url, params={"w": "900"})
    assert page.status_code == 200 and page.headers["content-type"] == "image/png"
    assert page.content.startswith(b"\x89PNG")
    from io import BytesIO

    from PIL import Image

    assert Image.open(BytesIO(page.content)).width == 900
    again = await member.get(
        page_url, params={"w": "900"}, headers={"if-none-match": page.headers["etag"]}
    )
    assert again.status_code == 304
    missing = await member.get(version["pageUrl"].replace("{n}", "9"))
    assert (missing.status_code, missing.json()["detail"]) == (
        404,
        "This document has pages 1 to 3.",
    )


async def test_member_without_clearance_gets_403_audited(people: People, db: Database) -> None:
    meeting_id, _, version = await _published(people, classification="mat")
    await set_clearance(db, people.seats["member"].person_id, 1)
    member = people["member"]
    agenda = (await member.get(f"/api/meetings/{meeting_id}")).json()
    [document] = agenda["items"][0]["documents"]
    assert (document["readable"], document["classification"]) == (False, "mat")
    assert "versions" not in document
    for url in (
        version["url"],
        version["pageUrl"].replace("{n}", "1"),
        f"/api/documents/{document['id']}",
        f"/versions/{version['id']}",
    ):
        refused = await member.get(url)
        assert refused.status_code == 403, url
        assert (
            "This document's classification is above your clearance, so it cannot be "
            "opened. Ask the secretariat if you need it."
        ) in html.unescape(refused.text)
    refusals = await _events(db, "refused.forbidden")
    assert len(refusals) == 4
    assert {e.actor_id for e in refusals} == {people.seats["member"].person_id}


async def test_classified_copy_is_stamped_on_every_page(
    people: People, db: Database, tmp_path: Path
) -> None:
    _, _, version = await _published(people, classification="mat")
    copy = await people["member"].get(version["url"])
    assert copy.status_code == 200, copy.text
    assert copy.headers["cache-control"] == "private, no-store"
    assert "etag" not in copy.headers
    pages = _pdf_pages(copy.content, tmp_path)
    assert len(pages) == 3
    [event] = await _events(db, "document.downloaded")
    code = event.subject.removeprefix("mark:")
    shown = f"{code[:4]}-{code[4:]}"
    for number, page in enumerate(pages, start=1):
        assert f"Du thao Nghi dinh - page {number}" in page
        assert "Người member" in page
        assert shown in page
        assert re.search(r"\d\d/\d\d/\d{4} \d\d:\d\d \(UTC\+07:00\)", page), page
    assert event.actor_id == people.seats["member"].person_id
    assert event.data["watermark"].endswith(shown)

    resolved = await people["secretariat"].get(f"/api/marks/{shown}")
    assert resolved.status_code == 200, resolved.text
    assert (resolved.json()["seq"], resolved.json()["actorId"]) == (event.seq, event.actor_id)
    assert (await people["member"].get(f"/api/marks/{shown}")).status_code == 403
    other = await people["secretariat"].get("/api/marks/0000-0000")
    assert other.json()["detail"] == "No copy carries the code 00000000."

    image = await people["member"].get(version["pageUrl"].replace("{n}", "1"))
    assert image.status_code == 200 and image.headers["cache-control"] == "private, no-store"
    assert len(await _events(db, "document.page_viewed")) == 1


async def test_new_version_is_flagged_as_changed(people: People) -> None:
    meeting_id, _, version = await _published(people)
    member = people["member"]
    document_id = version["document"]["id"]

    def flags(agenda: dict[str, Any]) -> tuple[bool, bool, Any]:
        document = agenda["items"][0]["documents"][0]
        return document["unread"], document["changed"], document["lastOpenedVersion"]

    agenda_url = f"/api/meetings/{meeting_id}"
    assert flags((await member.get(agenda_url)).json()) == (True, False, None)
    await member.get(version["url"])
    assert flags((await member.get(agenda_url)).json()) == (False, False, 1)
    revised = await upload(
        people,
        f"/api/documents/{document_id}/versions",
        make_pdf(4),
        note="Tiếp thu ý kiến Bộ Tư pháp",
    )
    assert revised.status_code == 201
    agenda = (await member.get(agenda_url)).json()
    assert flags(agenda) == (False, True, 1)
    assert agenda["items"][0]["changed"] is True
    await member.get(f"/versions/{revised.json()['id']}")
    assert flags((await member.get(agenda_url)).json()) == (False, False, 2)
    # Someone who never opened it sees it as unread and as revised.
    assert flags((await people["chair"].get(agenda_url)).json()) == (True, True, None)


async def test_classified_documents_are_recalled_when_the_meeting_closes(
    people: People, db: Database
) -> None:
    meeting_id, item_id, secret = await _published(people, classification="mat")
    plain = await attach(people, item_id, make_pdf(1, "Phụ lục"), title="Phụ lục")
    member = people["member"]
    assert (await member.get(secret["url"])).status_code == 200
    await open_and_close(db, people, meeting_id)
    recalled = await member.get(secret["url"])
    assert recalled.status_code == 403
    assert recalled.json()["detail"] == (
        "This classified document was recalled when the meeting closed; it can no longer be opened."
    )
    assert (await member.get(plain["url"])).status_code == 200
    assert (await people["secretariat"].get(secret["url"])).status_code == 200
    agenda = (await member.get(f"/api/meetings/{meeting_id}")).json()
    assert [d["recalled"] for d in agenda["items"][0]["documents"]] == [True, False]


async def test_offline_manifest_keeps_only_what_may_stay_on_the_tablet(
    people: People, db: Database
) -> None:
    meeting_id, item_id, plain = await _published(people)
    secret = await attach(people, item_id, classification="mat", basis=BASIS)
    member = people["member"]

    async def manifest() -> dict[str, Any]:
        response = await member.get("/api/offline/manifest")
        assert response.status_code == 200, response.text
        assert response.headers["cache-control"] == "private, no-store"
        return dict(response.json())

    kept = await manifest()
    assert f"/meetings/{meeting_id}" in kept["urls"]
    assert plain["url"] in kept["urls"] and f"/versions/{plain['id']}" in kept["urls"]
    assert secret["url"] not in kept["urls"], "above the body's offline level (internal)"
    assert kept["documents"][0]["pages"] == 3

    admin = httpx.AsyncClient(transport=member._transport, base_url=str(member.base_url))
    from .support.factories import enroll

    await enroll(admin, people.seats["admin"].token, authenticator_for(member))
    policy = await admin.patch(
        f"/api/bodies/{people.body_id}/document-policy",
        json={"maxClassification": "mat", "offlineMaxClassification": "mat"},
    )
    assert policy.status_code == 200, policy.text
    assert secret["url"] in (await manifest())["urls"]

    await open_and_close(db, people, meeting_id)
    assert (await manifest())["urls"] == [], "closed: the tablet drops everything it kept"
    await admin.aclose()


def authenticator_for(client: httpx.AsyncClient) -> Any:
    from ecabinet.softauthn import SoftAuthenticator

    from .support.database import ORIGIN

    return SoftAuthenticator(origin=ORIGIN, rp_id="localhost", alg="ES256")


async def test_signed_out_tablet_is_told_to_drop_everything(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/offline/manifest")
    assert response.status_code == 401


async def test_a_download_whose_record_fails_is_cut_short(
    people: People, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bytes start before the audit event commits, but the answer is never complete
    without it: when the record fails, the tablet is left with an incomplete file."""
    _, _, version = await _published(people)

    async def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the database refused the write")

    monkeypatch.setattr(reading, "record", broken)
    with pytest.raises(RuntimeError, match="refused the write"):
        await people["member"].get(version["url"])
    assert await _events(db, "document.downloaded") == []
