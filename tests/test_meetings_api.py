"""The secretariat's meeting API: creating, the agenda, publishing, and what each state
refuses, each refusal with its exact message."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import timedelta

import httpx
import pytest
from sqlmodel import col, select

from ecabinet.actions import meetings
from ecabinet.db import Database
from ecabinet.errors import Conflict, Forbidden
from ecabinet.events import Event
from ecabinet.models import AuditEvent, utcnow
from ecabinet.settings import Settings

from .support.packets import (
    People,
    actor_of_person,
    attach,
    make_pdf,
    meeting_body,
    new_item,
    new_meeting,
    open_and_close,
    upload,
)


async def _kinds(db: Database) -> list[str]:
    async with db.read() as session:
        return list(
            (await session.exec(select(AuditEvent.kind).order_by(col(AuditEvent.seq)))).all()
        )


def _detail(response: httpx.Response) -> str:
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    return str(response.json()["detail"])


async def test_secretariat_creates_a_draft_meeting(people: People, db: Database) -> None:
    meeting = await new_meeting(people)
    assert meeting["state"] == "draft" and meeting["number"] == 1
    assert meeting["form"] == "mixed" and meeting["kind"] == "regular"
    listed = await people["secretariat"].get(f"/api/bodies/{people.body_id}/meetings")
    assert [m["id"] for m in listed.json()["meetings"]] == [meeting["id"]]
    assert "meeting.created" in await _kinds(db)


async def test_naive_times_are_read_in_the_server_time_zone(people: People) -> None:
    day = (utcnow() + timedelta(days=20)).date()
    response = await people["secretariat"].post(
        f"/api/bodies/{people.body_id}/meetings",
        json={"title": "Phiên họp chuyên đề", "startsAt": f"{day}T08:30"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["startsAt"] == f"{day}T01:30:00+00:00"


async def test_meeting_refusals_name_the_problem(people: People) -> None:
    url = f"/api/bodies/{people.body_id}/meetings"
    secretariat = people["secretariat"]
    cases = [
        (meeting_body(title="  "), 422, "A meeting needs a title."),
        (meeting_body(days_ahead=-1), 422, "The meeting must start in the future."),
        (
            {**meeting_body(), "opinionDeadline": (utcnow() + timedelta(days=30)).isoformat()},
            422,
            "The deadline for written positions must be before the meeting.",
        ),
        (
            meeting_body(kind="weekly"),
            422,
            "The field kind must be one of: regular, extraordinary, thematic.",
        ),
        (
            meeting_body(startsAt="next tuesday"),
            422,
            "The field startsAt is not a date and time; write it like 2030-06-30T08:30.",
        ),
        (meeting_body(colour="red"), 422, "Unknown fields: colour."),
    ]
    for body, status, message in cases:
        response = await secretariat.post(url, json=body)
        assert (response.status_code, _detail(response)) == (status, message), body
    refused = await people["member"].post(url, json=meeting_body())
    assert refused.status_code == 403
    assert _detail(refused) == "Only the secretariat of this body prepares its meetings."


async def test_agenda_is_built_and_reordered(people: People, db: Database) -> None:
    meeting_id = (await new_meeting(people))["id"]
    ids = [await new_item(people, meeting_id, f"Mục {n}") for n in (1, 2, 3)]
    secretariat = people["secretariat"]
    order = f"/api/meetings/{meeting_id}/agenda/order"
    moved = [ids[2], ids[0], ids[1]]
    response = await secretariat.post(order, json={"itemIds": moved, "basedOn": ids})
    assert response.status_code == 200, response.text
    agenda = (await secretariat.get(f"/api/meetings/{meeting_id}")).json()["items"]
    assert [(i["id"], i["ordinal"]) for i in agenda] == [(ids[2], 1), (ids[0], 2), (ids[1], 3)]
    incomplete = await secretariat.post(order, json={"itemIds": [ids[0], ids[1]], "basedOn": moved})
    assert incomplete.status_code == 422
    assert _detail(incomplete) == "Send every item of this agenda exactly once, in the new order."
    edited = await secretariat.patch(
        f"/api/items/{ids[0]}", json={"summary": "Tóm tắt", "kind": "report"}
    )
    assert (edited.json()["summary"], edited.json()["kind"]) == ("Tóm tắt", "report")
    assert (
        await secretariat.delete(f"/api/items/{ids[2]}", headers=people.headers["secretariat"])
    ).status_code == 204
    agenda = (await secretariat.get(f"/api/meetings/{meeting_id}")).json()["items"]
    assert [(i["id"], i["ordinal"]) for i in agenda] == [(ids[0], 1), (ids[1], 2)]
    kinds = await _kinds(db)
    assert {"agenda.reordered", "agenda.item_edited", "agenda.item_removed"} <= set(kinds)


async def test_a_reorder_made_from_an_order_changed_since_is_refused(
    people: People, db: Database
) -> None:
    meeting_id = (await new_meeting(people))["id"]
    ids = [await new_item(people, meeting_id, f"Mục {n}") for n in (1, 2, 3)]
    secretariat = people["secretariat"]
    order = f"/api/meetings/{meeting_id}/agenda/order"
    first = [ids[1], ids[0], ids[2]]
    saved = await secretariat.post(order, json={"itemIds": first, "basedOn": ids})
    assert saved.status_code == 200, saved.text
    # A second tablet still shows the agenda as it was first, and moves the last item up.
    stale = await secretariat.post(
        order, json={"itemIds": [ids[0], ids[2], ids[1]], "basedOn": ids}
    )
    assert stale.status_code == 409
    assert _detail(stale) == (
        "The agenda was changed elsewhere (on another tablet) after you last saw it, "
        "so your order was not saved."
    )
    secretariat.cookies.set("ecab_lang", "vi")
    in_vietnamese = await secretariat.post(order, json={"itemIds": ids, "basedOn": ids})
    secretariat.cookies.set("ecab_lang", "en")
    assert _detail(in_vietnamese).startswith("Chương trình họp đã được thay đổi ở nơi khác")
    agenda = (await secretariat.get(f"/api/meetings/{meeting_id}")).json()["items"]
    assert [i["id"] for i in agenda] == first
    kinds = await _kinds(db)
    # A stale order is no security matter: nothing but the one saved order is audited.
    assert kinds.count("agenda.reordered") == 1
    assert [kind for kind in kinds if kind.startswith("refused.")] == []
    # Made from the order saved now, the same move is saved.
    again = await secretariat.post(
        order, json={"itemIds": [ids[1], ids[2], ids[0]], "basedOn": first}
    )
    assert again.status_code == 200, again.text


async def test_two_tablets_saving_an_order_at_once_do_not_overwrite_each_other(
    people: People, db: Database
) -> None:
    meeting_id = (await new_meeting(people))["id"]
    ids = [await new_item(people, meeting_id, f"Mục {n}") for n in (1, 2, 3)]
    order = f"/api/meetings/{meeting_id}/agenda/order"
    orders = ([ids[2], ids[0], ids[1]], [ids[0], ids[2], ids[1]])
    answers = await asyncio.gather(
        *(people["secretariat"].post(order, json={"itemIds": o, "basedOn": ids}) for o in orders)
    )
    assert sorted(answer.status_code for answer in answers) == [200, 409]
    [kept] = [o for o, answer in zip(orders, answers, strict=True) if answer.status_code == 200]
    agenda = (await people["secretariat"].get(f"/api/meetings/{meeting_id}")).json()["items"]
    assert [i["id"] for i in agenda] == kept
    assert (await _kinds(db)).count("agenda.reordered") == 1


async def test_member_sees_no_draft_and_gets_the_packet_when_published(
    people: People, db: Database
) -> None:
    meeting_id = (await new_meeting(people))["id"]
    item_id = await new_item(people, meeting_id)
    await attach(people, item_id)
    refused = await people["member"].get(f"/api/meetings/{meeting_id}")
    assert refused.status_code == 403
    assert _detail(refused) == (
        "This meeting is still being prepared; members see it once the secretariat publishes it."
    )
    assert (await people["member"].get("/api/meetings")).json()["meetings"] == []

    delivered: list[Event] = []

    async def listen(events: Sequence[Event]) -> None:
        delivered.extend(events)

    db.bus.subscribe(listen)
    response = await people["secretariat"].post(f"/api/meetings/{meeting_id}/publish", json={})
    assert response.status_code == 200, response.text
    assert response.json()["meeting"]["state"] == "published"
    assert response.json()["warnings"] == []
    [event] = [e for e in delivered if e.kind == "meeting.published"]
    seats = people.seats
    assert {
        seats[r].person_id for r in ("chair", "member", "secretariat", "observer")
    } <= event.recipients
    assert seats["admin"].person_id not in event.recipients
    assert event.data["seq"] == 1
    agenda = (await people["member"].get(f"/api/meetings/{meeting_id}")).json()
    assert [i["id"] for i in agenda["items"]] == [item_id]
    assert "allowedChanges" not in agenda


async def test_publishing_warns_when_late_or_incomplete(people: People, db: Database) -> None:
    meeting_id = (await new_meeting(people, days_ahead=1))["id"]
    url = f"/api/meetings/{meeting_id}/publish"
    empty = await people["secretariat"].post(url, json={})
    assert empty.status_code == 409
    assert _detail(empty) == "The agenda is empty: add at least one item before publishing."
    await new_item(people, meeting_id, "Báo cáo tình hình kinh tế - xã hội")
    response = await people["secretariat"].post(url, json={})
    assert response.status_code == 200, response.text
    warnings = {w["code"]: w["detail"] for w in response.json()["warnings"]}
    assert warnings["late"].startswith("The packet reaches members 2")
    assert warnings["late"].endswith(
        "hours before the meeting, later than the body's lead time of 3 days."
    )
    assert warnings["items_without_documents"] == (
        "1 items have no document: Báo cáo tình hình kinh tế - xã hội."
    )
    again = await people["secretariat"].post(url, json={})
    assert (again.status_code, _detail(again)) == (409, "This meeting is already published.")
    async with db.read() as session:
        event = (
            await session.exec(select(AuditEvent).where(AuditEvent.kind == "meeting.published"))
        ).one()
    assert event.data["warnings"] == ["late", "items_without_documents"]


async def test_each_state_allows_only_its_changes(people: People, db: Database) -> None:
    secretariat = people["secretariat"]
    meeting_id = (await new_meeting(people))["id"]
    item_id = await new_item(people, meeting_id)
    document_id = (await attach(people, item_id))["document"]["id"]
    await secretariat.post(f"/api/meetings/{meeting_id}/publish", json={})

    removed = await secretariat.delete(
        f"/api/items/{item_id}", headers=people.headers["secretariat"]
    )
    assert (removed.status_code, _detail(removed)) == (
        409,
        (
            "The packet is published: an item can no longer be removed. Leave it on the agenda; "
            "the session can defer it."
        ),
    )
    withdrawn = await secretariat.delete(
        f"/api/documents/{document_id}", headers=people.headers["secretariat"]
    )
    assert _detail(withdrawn) == (
        "The packet is published: a document can no longer be "
        "removed. Upload a new version with a change note instead."
    )
    late_item = await secretariat.post(
        f"/api/meetings/{meeting_id}/items", json={"title": "Mục bổ sung"}
    )
    assert late_item.status_code == 201

    member = await actor_of_person(db, people.seats["member"].person_id)
    async with db.transaction() as tx:
        with pytest.raises(Forbidden):
            await meetings.open_session(tx, member, meeting_id)
    await open_and_close(db, people, meeting_id, close=False)
    in_session = await secretariat.post(
        f"/api/meetings/{meeting_id}/items", json={"title": "Mục khác"}
    )
    assert (in_session.status_code, _detail(in_session)) == (
        409,
        (
            "The meeting is in session: the agenda is fixed. Only a revised version of a "
            "document may still be tabled."
        ),
    )
    new_document = await upload(people, f"/api/items/{item_id}/documents", make_pdf())
    assert _detail(new_document) == (
        "The meeting is in session: no new document can be added. A revised version of an "
        "existing document may still be tabled."
    )
    moved = await secretariat.patch(f"/api/meetings/{meeting_id}", json={"place": "Hội trường"})
    assert _detail(moved) == (
        "The meeting is in session: its date, place and form can no longer change."
    )
    revised = await upload(
        people,
        f"/api/documents/{document_id}/versions",
        make_pdf(3),
        note="Tiếp thu ý kiến thành viên",
    )
    assert revised.status_code == 201, revised.text

    chair = await actor_of_person(db, people.seats["chair"].person_id)
    async with db.transaction() as tx:
        assert (await meetings.close(tx, chair, meeting_id)).state == "closed"
    after = await upload(
        people, f"/api/documents/{document_id}/versions", make_pdf(4), note="Sau phiên họp"
    )
    assert (after.status_code, _detail(after)) == (
        409,
        ("The meeting is closed: its agenda and documents can no longer change."),
    )
    async with db.transaction() as tx:
        with pytest.raises(Conflict) as refused:
            await meetings.open_session(tx, chair, meeting_id)
    assert refused.value.detail == "This meeting is closed; its session cannot open again."
    reviewed = await secretariat.patch(
        f"/api/documents/{document_id}",
        json={"classification": "public", "basis": "Đã công bố sau phiên họp"},
    )
    assert reviewed.status_code == 200 and reviewed.json()["classification"] == "public"


async def test_meeting_details_change_while_published_and_tablets_hear(
    people: People, db: Database
) -> None:
    meeting_id = (await new_meeting(people))["id"]
    await new_item(people, meeting_id)
    await people["secretariat"].post(f"/api/meetings/{meeting_id}/publish", json={})
    delivered: list[Event] = []

    async def listen(events: Sequence[Event]) -> None:
        delivered.extend(events)

    db.bus.subscribe(listen)
    response = await people["secretariat"].patch(
        f"/api/meetings/{meeting_id}", json={"place": "Hội trường Diên Hồng", "form": "online"}
    )
    assert response.status_code == 200, response.text
    assert (response.json()["place"], response.json()["form"]) == ("Hội trường Diên Hồng", "online")
    [event] = delivered
    assert (event.kind, event.data["changed"], event.data["seq"]) == (
        "meeting.updated",
        ["form", "place"],
        2,
    )


async def test_guests_see_only_their_item(
    people: People, db: Database, app: object, settings: object
) -> None:
    from ecabinet.actions.enrollment import issue_enrollment
    from ecabinet.models import Person

    from .support.database import ORIGIN
    from .support.factories import authenticator, enroll

    async with db.transaction() as tx:
        guest = Person(full_name="Chủ tịch Ủy ban Dân tộc", email="khach@example.vn")
        tx.session.add(guest)
        await tx.session.flush()
        assert guest.id is not None
        url = await issue_enrollment(
            tx,
            settings,  # type: ignore[arg-type]
            actor_id=None,
            person_id=guest.id,
        )
    meeting_id = (await new_meeting(people))["id"]
    mine, other = (
        await new_item(people, meeting_id, "Mục của khách"),
        await new_item(people, meeting_id, "Mục khác"),
    )
    await attach(people, mine)
    secret = await attach(people, mine, classification="mat", basis="Danh mục bí mật nhà nước")
    invited = await people["secretariat"].post(
        f"/api/items/{mine}/guests",
        json={"name": "", "affiliation": "Ủy ban Dân tộc", "email": "khach@example.vn"},
    )
    assert invited.status_code == 201, invited.text
    assert invited.json()["name"] == "Chủ tịch Ủy ban Dân tộc"
    await people["secretariat"].post(f"/api/meetings/{meeting_id}/publish", json={})

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),  # type: ignore[arg-type]
        base_url=ORIGIN,
    ) as client:
        client.cookies.set("ecab_lang", "en")
        await enroll(client, url.rsplit("/", 1)[1], authenticator(settings))  # type: ignore[arg-type]
        agenda = (await client.get(f"/api/meetings/{meeting_id}")).json()
        assert [item["id"] for item in agenda["items"]] == [mine]
        readable = [d["readable"] for d in agenda["items"][0]["documents"]]
        assert readable == [True, False]
        refused = await client.get(secret["url"])
        assert refused.status_code == 403
        assert other not in [i["id"] for i in agenda["items"]]
        listed = (await client.get("/api/meetings")).json()["meetings"]
        assert [m["id"] for m in listed] == [meeting_id]


async def test_json_routes_under_the_upload_prefix_keep_the_small_limit(
    people: People, settings: Settings
) -> None:
    item_id = await new_item(people, (await new_meeting(people))["id"])
    huge = {"summary": "x" * (settings.max_body_bytes + 10)}
    response = await people["secretariat"].patch(f"/api/items/{item_id}", json=huge)
    assert response.status_code == 413
    assert _detail(response) == (
        f"The request is larger than the limit of {settings.max_body_bytes} bytes."
    )


async def test_the_api_describes_its_meeting_and_document_routes(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/api/openapi.json")).json()["paths"]
    for path in (
        "/api/meetings",
        "/api/bodies/{body_id}/meetings",
        "/api/meetings/{meeting_id}",
        "/api/meetings/{meeting_id}/items",
        "/api/meetings/{meeting_id}/publish",
        "/api/items/{item_id}/documents",
        "/api/documents/{document_id}/versions",
        "/api/versions/{version_id}/file",
        "/api/versions/{version_id}/pages/{page}.png",
    ):
        assert path in paths, path
    upload = paths["/api/items/{item_id}/documents"]["post"]
    schema = upload["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert schema["required"] == ["file"] and "basis" in schema["properties"]
    assert upload["summary"] == "Attach a new document to an agenda item (multipart/form-data)."
