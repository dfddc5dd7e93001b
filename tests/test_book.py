"""The book of a meeting and its text layer: the agenda beside the document with the
reader's own state of each, and the text of each page with positions to select and find."""

from __future__ import annotations

import re

from ecabinet.demo import government as gov
from ecabinet.vocab import Classification

from .support.demo import MINISTER_OF_FINANCE, Demo
from .support.packets import set_clearance

VAT_DRAFT = gov.AGENDA[2].documents[1]
VAT_SUBMISSION = gov.AGENDA[2].documents[0]


async def test_book_shows_the_agenda_with_my_state_and_the_first_unread_document(
    demo: Demo,
) -> None:
    minister = await demo.client(MINISTER_OF_FINANCE)
    html = (await minister.get(f"/meetings/{demo.meeting_id}/book")).text
    # No inline script (data blocks of type application/json are not run) and no style.
    assert re.search(r'<script(?![^>]*\b(?:src=|type="application/json"))[^>]*>', html) is None
    assert " style=" not in html
    for item in gov.AGENDA:
        assert item.title_en in html
    assert html.count("flag-unread") == 10 - 1  # the one opened now is read
    assert 'id="book-document-title">' + gov.AGENDA[0].documents[0].title_en in html
    assert html.count("flag-no-position") == len(gov.AGENDA)
    assert "data-position-link" in html and "data-thread-link" in html


async def test_book_flags_comments_and_positions_given(demo: Demo) -> None:
    minister = await demo.client(MINISTER_OF_FINANCE)
    draft = (await demo.versions(VAT_DRAFT.title_vi))[0]
    item_id = (await demo.items())[2].id
    said = await minister.post(
        f"/api/versions/{draft.id}/comments", json={"text": "Đề nghị làm rõ phạm vi.", "page": 1}
    )
    assert said.status_code == 201, said.text
    given = await minister.put(
        f"/api/items/{item_id}/positions/me", json={"stance": "agree", "text": ""}
    )
    assert given.status_code in (200, 201), given.text
    html = (
        await minister.get(f"/meetings/{demo.meeting_id}/book?document={draft.document_id}")
    ).text
    assert html.count("flag-commented") == 1
    assert html.count("flag-position") == 1
    assert 'aria-current="page">' + VAT_DRAFT.title_en in html


async def test_text_layer_gives_each_line_with_its_place_on_the_page(demo: Demo) -> None:
    minister = await demo.client(MINISTER_OF_FINANCE)
    draft = (await demo.versions(VAT_DRAFT.title_vi))[0]
    page = (await minister.get(f"/api/versions/{draft.id}/pages/1/text.json")).json()
    assert page["copyable"] is True
    texts = [line["t"] for line in page["lines"]]
    assert "Điều 1. Giảm thuế giá trị gia tăng" in texts
    for line in page["lines"]:
        left, top, width, height = line["b"]
        assert 0 <= left < 1 and 0 <= top < 1 and 0 < width <= 1 and 0 < height < 0.1
        assert len(line["x"]) == len(line["t"]) + 1
        assert line["x"] == sorted(line["x"])
    whole = (await minister.get(f"/api/versions/{draft.id}/text.json")).json()
    assert whole["pages"][0] == texts


async def test_classified_text_is_not_copyable_and_its_reading_is_audited(demo: Demo) -> None:
    minister = await demo.client(MINISTER_OF_FINANCE)
    secret = (await demo.versions(VAT_SUBMISSION.title_vi))[0]
    page = await minister.get(f"/api/versions/{secret.id}/pages/1/text.json")
    assert page.status_code == 200 and page.json()["copyable"] is False
    html = (
        await minister.get(f"/meetings/{demo.meeting_id}/book?document={secret.document_id}")
    ).text
    assert 'data-copyable="0"' in html and "data-src=" not in html  # no thumbnails either
    from sqlmodel import select

    from ecabinet.models import AuditEvent

    async with demo.db.read() as session:
        kinds = (
            await session.exec(
                select(AuditEvent.kind).where(AuditEvent.kind == "document.text_viewed")
            )
        ).all()
    assert len(kinds) == 1


async def test_text_above_clearance_is_refused_with_the_reason(demo: Demo) -> None:
    minister = await demo.client(MINISTER_OF_FINANCE)
    person_id = await _person_id(demo, MINISTER_OF_FINANCE)
    await set_clearance(demo.db, person_id, int(Classification.INTERNAL))
    secret = (await demo.versions(VAT_SUBMISSION.title_vi))[0]
    for url in (
        f"/api/versions/{secret.id}/pages/1/text.json",
        f"/api/versions/{secret.id}/text.json",
    ):
        refused = await minister.get(url)
        assert refused.status_code == 403
        assert "above your clearance" in refused.text
        assert "giảm khoảng 24 nghìn tỷ" not in refused.text
    html = (
        await minister.get(f"/meetings/{demo.meeting_id}/book?document={secret.document_id}")
    ).text
    assert "Above your clearance" in html and f"/api/versions/{secret.id}/pages" not in html


async def _person_id(demo: Demo, name: str) -> int:
    from sqlmodel import select

    from ecabinet.models import Person

    async with demo.db.read() as session:
        person = (await session.exec(select(Person).where(Person.full_name == name))).one()
    assert person.id is not None
    return person.id


async def test_each_document_says_whether_it_is_kept_offline_and_why_not(demo: Demo) -> None:
    minister = await demo.client(MINISTER_OF_FINANCE)
    html = (await minister.get(f"/meetings/{demo.meeting_id}/book")).text
    # The demo body keeps up to internal documents offline; its two Mật drafts stay online.
    assert html.count("offline-kept") == 8
    assert (
        html.count(
            "Not kept offline: Confidential (Mật) documents stay on the server by "
            "this body&#39;s policy"
        )
        == 2
    )
