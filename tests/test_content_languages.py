"""Meetings, items and documents in both languages: English pages show the English title
and summary where the secretariat gave one, and the Vietnamese original otherwise."""

from __future__ import annotations

from ecabinet.demo import government as gov
from ecabinet.demo.seed import session_titles

from .support.demo import MINISTER_OF_FINANCE, Demo


async def test_english_pages_show_the_english_content(demo: Demo) -> None:
    minister = await demo.client(MINISTER_OF_FINANCE, "en")
    html = (await minister.get(f"/meetings/{demo.meeting_id}")).text
    assert session_titles()[1] in html and gov.MEETING_SUMMARY_EN in html
    assert gov.AGENDA[2].title_en in html and gov.AGENDA[2].summary_en in html
    assert gov.AGENDA[2].documents[1].title_en in html
    assert gov.AGENDA[2].title_vi not in html
    listing = (await minister.get("/meetings")).text
    assert session_titles()[1] in listing


async def test_vietnamese_pages_show_the_original(demo: Demo) -> None:
    minister = await demo.client(MINISTER_OF_FINANCE, "vi")
    html = (await minister.get(f"/meetings/{demo.meeting_id}")).text
    assert session_titles()[0] in html and gov.AGENDA[2].title_vi in html
    assert gov.AGENDA[2].documents[1].title_vi in html
    assert gov.AGENDA[2].title_en not in html and gov.MEETING_SUMMARY_EN not in html


async def test_english_falls_back_to_vietnamese_where_none_is_given(demo: Demo) -> None:
    async with demo.db.transaction() as tx:
        item = (await demo.items())[0]
        item = await tx.session.merge(item)
        item.title_en, item.summary_en = "", ""
        tx.session.add(item)
    minister = await demo.client(MINISTER_OF_FINANCE, "en")
    html = (await minister.get(f"/meetings/{demo.meeting_id}")).text
    assert gov.AGENDA[0].title_vi in html and gov.AGENDA[0].summary_vi in html
