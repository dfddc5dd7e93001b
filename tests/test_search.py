"""Full-text search over the demo, on SQLite (FTS5) and PostgreSQL (tsvector, unaccent):
words typed without diacritics find Vietnamese text, earlier versions and conclusions are
found, and a document above the reader's clearance is never returned, not by its title,
its text, a comment on it, nor in a snippet."""

from __future__ import annotations

from typing import Any

import httpx
from sqlmodel import select

from ecabinet.demo import government as gov
from ecabinet.models import AgendaItem, Person
from ecabinet.vocab import Classification

from .support.demo import (
    MINISTER_OF_FINANCE,
    MINISTER_OF_PLANNING,
    Demo,
)
from .support.packets import set_clearance

VAT_SUBMISSION = gov.AGENDA[2].documents[0]  # Mật
VAT_DRAFT = gov.AGENDA[2].documents[1]  # public, revised in version 2
SECRET_WORDS = "24 nghin ty"  # only in the Mật submission: "giảm khoảng 24 nghìn tỷ đồng"
SECRET_TITLE = "to trinh ve du thao nghi dinh quy dinh chinh sach giam thue"
COMMENT = "Đề nghị kiểm toán độc lập Xylanthe trước khi ban hành."


async def _search(client: httpx.AsyncClient, query: str) -> list[dict[str, Any]]:
    response = await client.get("/api/search", params={"q": query})
    assert response.status_code == 200, response.text
    hits: list[dict[str, Any]] = response.json()["hits"]
    return hits


async def _lower_clearance(demo: Demo, name: str, level: Classification) -> None:
    async with demo.db.read() as session:
        person = (await session.exec(select(Person).where(Person.full_name == name))).one()
    assert person.id is not None
    await set_clearance(demo.db, person.id, int(level))


async def test_words_without_diacritics_find_the_vietnamese(demo: Demo) -> None:
    minister = await demo.client(MINISTER_OF_FINANCE)
    hits = await _search(minister, "thue gia tri gia tang")
    titles = {hit["title"] for hit in hits}
    assert {VAT_SUBMISSION.title_vi, VAT_DRAFT.title_vi} <= titles
    # đ is folded as well: "dinh" finds "định", "Dieu" finds "Điều".
    hits = await _search(minister, "Dieu 1 giam thue")
    assert any("Điều 1. Giảm thuế giá trị gia tăng" in hit["snippet"] for hit in hits)
    page = await minister.get("/search", params={"q": "nghi dinh"})
    assert page.status_code == 200 and VAT_DRAFT.title_en in page.text


async def test_earlier_versions_and_conclusions_are_found(demo: Demo) -> None:
    minister = await demo.client(MINISTER_OF_FINANCE)
    hits = await _search(minister, "het ngay 30 thang 6")
    earlier = [hit for hit in hits if hit["title"] == VAT_DRAFT.title_vi]
    assert earlier and all(hit["versionNumber"] == 1 and not hit["latest"] for hit in earlier)
    assert earlier[0]["url"] == f"/versions/{earlier[0]['versionId']}"
    async with demo.db.transaction() as tx:
        item = (await tx.session.exec(select(AgendaItem).where(AgendaItem.ordinal == 7))).one()
        item.conclusion = "Giao Bộ Nông nghiệp hỗ trợ giống cây vụ Đông cho 17 tỉnh."
        tx.session.add(item)
    hits = await _search(minister, "giong cay vu dong")
    assert [hit["kind"] for hit in hits if hit["kind"] == "conclusion"] == ["conclusion"]


async def test_a_document_above_clearance_is_never_returned(demo: Demo) -> None:
    colleague = await demo.client(MINISTER_OF_PLANNING)
    secret = (await demo.versions(VAT_SUBMISSION.title_vi))[0]
    said = await colleague.post(
        f"/api/versions/{secret.id}/comments", json={"text": COMMENT, "page": 1}
    )
    assert said.status_code == 201, said.text
    cleared = await demo.client(MINISTER_OF_FINANCE)
    # The control: with her clearance (Tối mật) the minister finds it all...
    assert any(
        hit["documentId"] == secret.document_id for hit in await _search(cleared, SECRET_WORDS)
    )
    assert any(
        hit["documentId"] == secret.document_id for hit in await _search(cleared, SECRET_TITLE)
    )
    assert [hit["kind"] for hit in await _search(cleared, "xylanthe")] == ["comment"]
    # ...with her clearance lowered to internal, nothing of it, by any road.
    await _lower_clearance(demo, MINISTER_OF_FINANCE, Classification.INTERNAL)
    for query in (SECRET_WORDS, SECRET_TITLE, "xylanthe", "thue", "nghin ty dong"):
        hits = await _search(cleared, query)
        assert all(hit["documentId"] != secret.document_id for hit in hits), query
        for hit in hits:
            assert "24 nghìn tỷ" not in hit["snippet"] and "Xylanthe" not in hit["snippet"]
            assert hit["title"] != VAT_SUBMISSION.title_vi
        page = (await cleared.get("/search", params={"q": query})).text
        assert VAT_SUBMISSION.title_en not in page and "Xylanthe" not in page
    assert await _search(cleared, SECRET_WORDS) == []
