"""A member's own marks: highlights, notes and ink on a page, and private notes on an
item. Nobody else sees them; they follow the draft to its next version, placed where the
quoted text is found again and flagged where it is not."""

from __future__ import annotations

from typing import Any

from ecabinet.demo import government as gov

from .support.demo import (
    MINISTER_OF_FINANCE,
    MINISTER_OF_PLANNING,
    Demo,
)

DRAFT = gov.AGENDA[2].documents[1]
KEPT = "Điều 1. Giảm thuế giá trị gia tăng"
GONE = "đến hết ngày 30 tháng 6"


def highlight(quote: str, page: int = 1) -> dict[str, Any]:
    return {
        "kind": "highlight",
        "page": page,
        "quote": quote,
        "shape": {"rects": [[0.1, 0.4, 0.5, 0.02]], "colour": "yellow"},
    }


async def test_marks_are_private_to_their_author(demo: Demo) -> None:
    minister = await demo.client(MINISTER_OF_FINANCE)
    colleague = await demo.client(MINISTER_OF_PLANNING)
    v1, _ = await demo.versions(DRAFT.title_vi)
    url = f"/api/versions/{v1.id}/annotations"
    made = [
        await minister.post(url, json=body)
        for body in (
            highlight(KEPT),
            {
                "kind": "note",
                "page": 1,
                "text": "Hỏi lại Bộ Tài chính",
                "shape": {"x": 0.8, "y": 0.3},
            },
            {
                "kind": "ink",
                "page": 1,
                "shape": {"strokes": [[[0.1, 0.1], [0.2, 0.15], [0.3, 0.1]]]},
            },
        )
    ]
    assert [r.status_code for r in made] == [201, 201, 201], [r.text for r in made]
    mine = (await minister.get(url)).json()["annotations"]
    assert [m["kind"] for m in mine] == ["highlight", "note", "ink"]
    assert (await colleague.get(url)).json()["annotations"] == []
    refused = await colleague.delete(f"/api/annotations/{mine[0]['id']}")
    assert refused.status_code == 404
    bad = await minister.post(
        url, json={"kind": "ink", "page": 1, "shape": {"strokes": [[[2, 0.1]]]}}
    )
    assert bad.status_code == 422 and "from 0 to 1" in bad.text
    gone = await minister.delete(f"/api/annotations/{mine[1]['id']}")
    assert gone.status_code == 204
    assert len((await minister.get(url)).json()["annotations"]) == 2


async def test_marks_follow_the_draft_to_its_next_version(demo: Demo) -> None:
    minister = await demo.client(MINISTER_OF_FINANCE)
    v1, v2 = await demo.versions(DRAFT.title_vi)
    for quote in (KEPT, GONE):
        made = await minister.post(f"/api/versions/{v1.id}/annotations", json=highlight(quote))
        assert made.status_code == 201, made.text
    carried = (await minister.get(f"/api/versions/{v2.id}/annotations")).json()["annotations"]
    by_quote = {mark["quote"]: mark for mark in carried}
    assert by_quote[KEPT]["carry"] == "found" and by_quote[KEPT]["page"] == 1
    [rect] = by_quote[KEPT]["shape"]["rects"]
    assert 0 < rect[0] < 0.5 and 0 < rect[2] < 0.6 and 0 < rect[3] < 0.05
    assert by_quote[GONE]["carry"] == "not_found" and by_quote[GONE]["shape"]["rects"] == []
    # Carried once: opening the version again makes no second copy; a dismissed copy stays
    # dismissed.
    again = (await minister.get(f"/api/versions/{v2.id}/annotations")).json()["annotations"]
    assert len(again) == 2
    assert (await minister.delete(f"/api/annotations/{by_quote[GONE]['id']}")).status_code == 204
    left = (await minister.get(f"/api/versions/{v2.id}/annotations")).json()["annotations"]
    assert [mark["quote"] for mark in left] == [KEPT]


async def test_private_notes_on_an_item(demo: Demo) -> None:
    minister = await demo.client(MINISTER_OF_FINANCE)
    colleague = await demo.client(MINISTER_OF_PLANNING)
    item_id = (await demo.items())[2].id
    saved = await minister.put(
        f"/api/items/{item_id}/note", json={"text": "Hỏi về số thu giảm 24 nghìn tỷ."}
    )
    assert saved.status_code == 200, saved.text
    assert (await minister.get(f"/api/items/{item_id}/note")).json()["text"].startswith("Hỏi")
    assert (await colleague.get(f"/api/items/{item_id}/note")).json()["text"] == ""


async def test_a_mark_and_a_comment_sent_again_under_their_client_id_are_kept_once(
    demo: Demo,
) -> None:
    """What a tablet queued offline is sent again when the first answer was lost."""
    minister = await demo.client(MINISTER_OF_FINANCE)
    colleague = await demo.client(MINISTER_OF_PLANNING)
    v1, _ = await demo.versions(DRAFT.title_vi)
    marks = f"/api/versions/{v1.id}/annotations"
    note = {
        "kind": "note",
        "page": 1,
        "text": "Viết khi mất mạng",
        "shape": {"x": 0.5, "y": 0.5},
        "clientId": "3f1c9a2e-offline-note",
    }
    first, again = await minister.post(marks, json=note), await minister.post(marks, json=note)
    assert (first.status_code, again.status_code) == (201, 200), again.text
    assert first.json()["id"] == again.json()["id"]
    assert [m["text"] for m in (await minister.get(marks)).json()["annotations"]] == [
        "Viết khi mất mạng"
    ]
    # Another person's id space is their own.
    theirs = await colleague.post(marks, json=note)
    assert theirs.status_code == 201 and theirs.json()["id"] != first.json()["id"]

    comments = f"/api/versions/{v1.id}/comments"
    said = {
        "text": "Đề nghị bổ sung đánh giá tác động.",
        "page": 1,
        "clientId": "7d0e11aa-offline-comment",
    }
    first, again = (
        await minister.post(comments, json=said),
        await minister.post(comments, json=said),
    )
    assert (first.status_code, again.status_code) == (201, 200), again.text
    assert first.json()["id"] == again.json()["id"]
    texts = [c["text"] for c in (await minister.get(comments)).json()["threads"]]
    assert texts.count(said["text"]) == 1
    bad = await minister.post(comments, json={**said, "clientId": "x"})
    assert bad.status_code == 422 and "client id" in bad.text


async def test_a_position_written_offline_is_a_conflict_if_it_changed_since(demo: Demo) -> None:
    minister = await demo.client(MINISTER_OF_FINANCE)
    item_id = (await demo.items())[2].id
    url = f"/api/items/{item_id}/positions/me"
    # Written offline when the tablet showed no position yet; sent first: accepted.
    first = await minister.put(url, json={"stance": "agree", "text": "", "revision": 0})
    assert first.status_code == 200, first.text
    # Written offline on a second tablet that also showed none: refused, not overwritten.
    late = await minister.put(
        url, json={"stance": "disagree", "text": "Chưa đủ căn cứ.", "revision": 0}
    )
    assert late.status_code == 409 and "was changed at" in late.json()["detail"]
    # Written over the position the tablet showed: accepted.
    based = await minister.put(
        url,
        json={
            "stance": "disagree",
            "text": "Chưa đủ căn cứ.",
            "revision": first.json()["revision"],
        },
    )
    assert based.status_code == 200 and based.json()["stance"] == "disagree", based.text
    # The same answer sent again (its first answer was lost) is the same position.
    again = await minister.put(
        url,
        json={
            "stance": "disagree",
            "text": "Chưa đủ căn cứ.",
            "revision": first.json()["revision"],
        },
    )
    assert again.status_code == 200 and again.json()["updatedAt"] == based.json()["updatedAt"]
