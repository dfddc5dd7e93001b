"""Comments on drafts: threads on a version's page with the quoted passage, replies, the
answer of the secretariat or the drafting agency, and the synthesis report (PDF)."""

from __future__ import annotations

import httpx

from ecabinet.actions.enrollment import issue_enrollment
from ecabinet.db import Database
from ecabinet.models import ItemGuest, Person
from ecabinet.settings import Settings
from ecabinet.vocab import Classification

from .support.deliberation import last_event, make_draft, make_meeting, pdf_text, signed_in
from .support.factories import Seat, seat_people


async def invite_drafting_agency(
    db: Database, settings: Settings, body_id: int, item_id: int
) -> Seat:
    async with db.transaction() as tx:
        person = Person(full_name="Vụ Pháp chế, Bộ Tư pháp", email="phap-che@btp.example")
        tx.session.add(person)
        await tx.session.flush()
        assert person.id is not None
        tx.session.add(ItemGuest(item_id=item_id, person_id=person.id, name=person.full_name))
        url = await issue_enrollment(tx, settings, actor_id=None, person_id=person.id)
        return Seat("guest", person.id, body_id, url.rsplit("/", 1)[1])


async def test_a_comment_thread_is_answered_and_the_report_lists_it(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    body_id = seats["member"].body_id
    _meeting, items = await make_meeting(db, body_id, items=1)
    document, version = await make_draft(db, body_id, items[0])
    agency = await invite_drafting_agency(db, settings, body_id, items[0])
    async with signed_in(
        client, settings, [seats["member"], seats["chair"], seats["secretariat"], agency]
    ) as people:
        member, chair, office, drafter = people
        made = await member.client.post(
            f"/api/versions/{version}/comments",
            json={
                "page": 2,
                "quote": "thời hạn 30 ngày",
                "text": "Đề nghị rút ngắn thời hạn xuống 15 ngày.",
            },
        )
        assert made.status_code == 201, made.text
        comment = made.json()["id"]
        assert (await last_event(db)).kind == "comment.added"
        second = (
            await chair.client.post(
                f"/api/versions/{version}/comments",
                json={"page": 4, "text": "Bổ sung quy định chuyển tiếp."},
            )
        ).json()["id"]
        answer = await chair.client.post(
            f"/api/comments/{comment}/replies", json={"text": "Tôi đồng tình với ý kiến này."}
        )
        assert answer.status_code == 201 and answer.json()["parent"] == comment
        assert (
            await member.client.post(
                f"/api/comments/{comment}/resolution",
                json={"resolution": "accepted", "response": "x"},
            )
        ).status_code == 403
        assert (
            await office.client.post(
                f"/api/comments/{comment}/resolution", json={"resolution": "maybe", "response": "x"}
            )
        ).status_code == 422
        assert (
            await office.client.post(
                f"/api/comments/{comment}/resolution",
                json={"resolution": "accepted", "response": " "},
            )
        ).status_code == 422
        assert (
            await office.client.post(
                f"/api/comments/{answer.json()['id']}/resolution",
                json={"resolution": "accepted", "response": "x"},
            )
        ).status_code == 409
        resolved = await office.client.post(
            f"/api/comments/{comment}/resolution",
            json={"resolution": "accepted", "response": "Đã sửa Điều 5: thời hạn 15 ngày."},
        )
        assert resolved.status_code == 200 and resolved.json()["resolution"] == "accepted"
        event = await last_event(db)
        assert event.kind == "comment.resolved" and event.data["resolution"] == "accepted"
        by_agency = await drafter.client.post(
            f"/api/comments/{second}/resolution",
            json={"resolution": "explained", "response": "Luật đã quy định chuyển tiếp."},
        )
        assert by_agency.status_code == 200, by_agency.text
        # The member is told of the reply and of the answer; the chair of the agency's.
        notes = (await member.client.get("/api/me/notifications")).json()["notifications"]
        assert [n["kind"] for n in notes] == ["comment.answered"] * 2
        assert notes[0]["link"] == f"/versions/{version}"
        chair_notes = (await chair.client.get("/api/me/notifications")).json()
        assert [n["kind"] for n in chair_notes["notifications"]] == ["comment.answered"]
        threads = (await member.client.get(f"/api/versions/{version}/comments")).json()
        assert [t["page"] for t in threads["threads"]] == [2, 4]
        assert threads["threads"][0]["quote"] == "thời hạn 30 ngày"
        assert len(threads["threads"][0]["replies"]) == 1
        member.client.cookies.set("ecab_lang", "en")
        report = await member.client.get(f"/api/documents/{document}/comments/report.pdf")
    assert report.status_code == 200 and report.headers["content-type"] == "application/pdf"
    text = pdf_text(report.content)
    for expected in (
        "SYNTHESIS REPORT OF COMMENTS",
        "Người member",
        "thời hạn 30 ngày",
        "Đề nghị rút ngắn thời hạn",
        "Đã sửa Điều 5",
        "Accepted",
        "Explained",
        "Vụ Pháp chế, Bộ Tư pháp",
        "Tôi đồng tình",
        "2 comments: 1 accepted",
    ):
        assert expected in text, expected


async def test_comments_respect_pages_roles_and_clearance(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    body_id = seats["member"].body_id
    _meeting, items = await make_meeting(db, body_id, items=1)
    _document, version = await make_draft(db, body_id, items[0])
    _secret, classified = await make_draft(db, body_id, items[0], Classification.TOI_MAT)
    async with signed_in(client, settings, [seats["member"], seats["observer"]]) as people:
        member, observer = people
        no_page = await member.client.post(
            f"/api/versions/{version}/comments", json={"page": 9, "text": "Trang 9?"}
        )
        assert no_page.status_code == 422
        empty = await member.client.post(f"/api/versions/{version}/comments", json={"text": "  "})
        assert empty.status_code == 422
        assert (
            await observer.client.post(f"/api/versions/{version}/comments", json={"text": "Ý kiến"})
        ).status_code == 403
        above = await member.client.post(
            f"/api/versions/{classified}/comments", json={"text": "Ý kiến"}
        )
        assert above.status_code == 403
        assert (await last_event(db)).kind == "refused.forbidden"
