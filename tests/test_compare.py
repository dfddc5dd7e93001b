"""Comparing versions: the redline of the demo's revised draft decree shows the changed
paragraphs word by word, the added paragraph, and the changed pages beside the change
note; a version above the reader's clearance cannot be compared."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from ecabinet.demo import government as gov
from ecabinet.demo.drafts import render_draft_pdf
from ecabinet.documents import redline, textlayer

from .support.demo import MINISTER_OF_FINANCE, Demo

ITEM = gov.AGENDA[2]
DRAFT = ITEM.documents[1]


def _text(pdf: bytes, path: Path) -> list[textlayer.PageText]:
    path.write_bytes(pdf)
    return textlayer.document_text(path, path.name)


def test_redline_finds_the_changed_words_and_the_new_paragraph(tmp_path: Path) -> None:
    old = _text(
        render_draft_pdf(ITEM.title_vi, DRAFT, issuing_agency=ITEM.presenter), tmp_path / "v1.pdf"
    )
    new = _text(
        render_draft_pdf(
            ITEM.title_vi, replace(DRAFT, body=DRAFT.revision), issuing_agency=ITEM.presenter
        ),
        tmp_path / "v2.pdf",
    )
    result = redline.compare(old, new)
    changed = [block for block in result.blocks if block.kind != "same"]
    assert [block.kind for block in changed] == ["changed", "added", "changed"]
    exemptions, new_clause, dates = changed
    assert redline.Segment("added", "công nghệ thông tin,") in exemptions.segments
    assert new_clause.segments[0].text.startswith("3. Cơ sở kinh doanh tính thuế theo phương")
    assert [s for s in dates.segments if s.op != "same"] == [
        redline.Segment("removed", "30"),
        redline.Segment("added", "31"),
        redline.Segment("removed", "6."),
        redline.Segment("added", "12."),
    ]
    assert result.changed_pages == [1]
    # Unchanged paragraphs stay unchanged: "Điều 1" and the bases are not flagged.
    same = [block.segments[0].text for block in result.blocks if block.kind == "same"]
    assert "Điều 1. Giảm thuế giá trị gia tăng" in same


async def test_compare_page_shows_the_redline_beside_the_change_note(demo: Demo) -> None:
    minister = await demo.client(MINISTER_OF_FINANCE, "vi")
    document_id = (await demo.versions(DRAFT.title_vi))[0].document_id
    response = await minister.get(f"/documents/{document_id}/compare")
    assert response.status_code == 200, response.text[:300]
    html = response.text
    assert DRAFT.revision_note in html
    assert "<ins>công nghệ thông tin,</ins>" in html
    assert "<del>30</del>" in html and "<ins>31</ins>" in html
    assert re.search(r'class="changed-pages">\s*<li><a href="[^"]*page=1', html)
    book = (await minister.get(f"/meetings/{demo.meeting_id}/book?document={document_id}")).text
    assert f"/documents/{document_id}/compare?from=1&amp;to=2" in book


async def test_compare_refuses_versions_that_do_not_exist(demo: Demo) -> None:
    minister = await demo.client(MINISTER_OF_FINANCE)
    document_id = (await demo.versions(DRAFT.title_vi))[0].document_id
    response = await minister.get(f"/documents/{document_id}/compare?from=1&to=7")
    assert response.status_code == 404
    assert "no versions 1 and 7" in response.text
