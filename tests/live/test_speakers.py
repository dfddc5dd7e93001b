"""The list of speakers through the API, as tablets use it: members ask for the floor and
see their place, a point of order goes first, the chair reorders, gives the floor with
the body's countdown, closes the list; other people are refused; the steps are audited
and the minutes list who spoke, in order, and for how long."""

from __future__ import annotations

from typing import Any

import httpx

from ecabinet.db import Database
from ecabinet.minutes.collect import collect
from ecabinet.minutes.render import EvidenceSummary, render_minutes
from ecabinet.settings import Settings

from ..support.deliberation import pdf_text
from ..support.live import Session, Tablet, audit_kinds, make_session, post, tablet


async def _room(
    client: httpx.AsyncClient, settings: Settings, live: Session, made: list[Tablet], *roles: str
) -> dict[str, Tablet]:
    out = {}
    for role in roles:
        one = await tablet(client._transport, str(client.base_url), settings, live.seats[role])
        made.append(one)
        out[role] = one
    return out


def _names(state: dict[str, Any]) -> list[str]:
    return [entry["name"] for entry in state["speakers"]["queue"]]


async def test_members_queue_the_chair_gives_the_floor_and_the_minutes_list_the_speeches(
    client: httpx.AsyncClient, db: Database, settings: Settings, tablets: list[Tablet]
) -> None:
    live = await make_session(db, settings, extra_members=2, speech_seconds=240, reply_seconds=90)
    room = await _room(
        client, settings, live, tablets, "chair", "member", "member-1", "member-2", "observer"
    )
    chair, meeting = room["chair"], live.meeting_id
    base = f"/api/meetings/{meeting}/speakers"
    # No item is being taken yet: there is no list to join.
    early = await room["member"].client.post(base, json={"kind": "speak"})
    assert early.status_code == 409 and "no item is being taken" in early.json()["detail"]
    await post(chair, f"/api/meetings/{meeting}/session/open", {"confirm": True})
    await post(chair, f"/api/meetings/{meeting}/session/next")

    await post(room["member"], base, {"kind": "speak"}, 201)
    await post(room["member-1"], base, {"kind": "reply"}, 201)
    state = await post(room["member-2"], base, {"kind": "point_of_order"}, 201)
    # The point of order goes first; the others keep the order they asked in.
    assert _names(state) == ["Bộ trưởng 2", "Người member", "Bộ trưởng 1"]
    assert [e["place"] for e in state["speakers"]["queue"]] == [1, 2, 3]
    # Each member finds their own place.
    mine = await room["member"].snapshot(meeting)
    place = next(
        e["place"] for e in mine["speakers"]["queue"] if e["seat"] == mine["me"]["speaks_as"]
    )
    assert place == 2
    again = await room["member"].client.post(base, json={"kind": "speak"})
    assert again.status_code == 409 and "already on the list" in again.json()["detail"]

    # Only members ask for the floor; only the chair (or secretariat) runs the list.
    observer = await room["observer"].client.post(base, json={"kind": "speak"})
    assert observer.status_code == 403
    grab = await room["member"].client.post(f"{base}/next", json={})
    assert grab.status_code == 403

    # The chair moves the reply before the member's speech.
    reply_id = state["speakers"]["queue"][2]["id"]
    moved = await post(chair, f"/api/speakers/{reply_id}/place", {"place": 2})
    assert _names(moved) == ["Bộ trưởng 2", "Bộ trưởng 1", "Người member"]

    granted = await post(chair, f"{base}/next")
    current = granted["speakers"]["current"]
    assert current["name"] == "Bộ trưởng 2" and current["kind"] == "point_of_order"
    assert current["limit"] == 90 and 0 <= current["elapsed"] <= 2
    granted = await post(chair, f"{base}/next")
    assert granted["speakers"]["current"]["name"] == "Bộ trưởng 1"
    assert granted["speakers"]["current"]["limit"] == 90  # a reply is short too
    assert [s["name"] for s in granted["speakers"]["spoke"]] == ["Bộ trưởng 2"]

    # Closed: a new speech is refused, a point of order still heard; a member withdraws.
    closed = await post(chair, f"{base}/list", {"closed": True})
    assert closed["speakers"]["closed"] is True
    late = await room["member-2"].client.post(base, json={"kind": "speak"})
    assert late.status_code == 409 and "closed the list" in late.json()["detail"]
    await post(room["member-2"], base, {"kind": "point_of_order"}, 201)
    mine = await room["member"].snapshot(meeting)
    own = next(e for e in mine["speakers"]["queue"] if e["name"] == "Người member")
    other = await room["member-2"].client.post(f"/api/speakers/{own['id']}/withdraw", json={})
    assert other.status_code == 403
    withdrawn = await post(room["member"], f"/api/speakers/{own['id']}/withdraw")
    assert _names(withdrawn) == ["Bộ trưởng 2"]

    await post(chair, f"{base}/next")
    ended = await post(chair, f"{base}/end")
    assert ended["speakers"]["current"] is None
    assert [s["name"] for s in ended["speakers"]["spoke"]] == [
        "Bộ trưởng 2",
        "Bộ trưởng 1",
        "Bộ trưởng 2",
    ]

    assert {
        "speakers.requested",
        "speakers.moved",
        "speakers.granted",
        "speakers.closed",
        "speakers.withdrawn",
        "speakers.ended",
    } <= set(await audit_kinds(db, "speakers."))

    item = ended["current_item"]
    await post(chair, f"/api/items/{item}/conclusion", {"text": "Thống nhất."})
    async with db.read() as session:
        record = await collect(session, settings, meeting)
    debated = next(i for i in record.debated_items if i.id == item)
    assert [(s.seat.name, s.kind) for s in debated.speeches] == [
        ("Bộ trưởng 2", "point_of_order"),
        ("Bộ trưởng 1", "reply"),
        ("Bộ trưởng 2", "point_of_order"),
    ]
    assert all(s.seconds >= 0 for s in debated.speeches)
    text = pdf_text(render_minutes(record, EvidenceSummary("0" * 64, 0), locale="en").data)
    assert "Speakers, in order:" in text
    assert "1. Bộ trưởng 2 (point of order, 0 min" in text
    assert "2. Bộ trưởng 1 (reply, 0 min" in text


async def test_leaving_the_item_ends_the_speech_and_the_list_follows_the_current_item(
    client: httpx.AsyncClient, db: Database, settings: Settings, tablets: list[Tablet]
) -> None:
    live = await make_session(db, settings, extra_members=1, items=4)
    room = await _room(client, settings, live, tablets, "chair", "member", "member-1")
    chair, meeting = room["chair"], live.meeting_id
    base = f"/api/meetings/{meeting}/speakers"
    await post(chair, f"/api/meetings/{meeting}/session/open", {"confirm": True})
    first = await post(chair, f"/api/meetings/{meeting}/session/next")
    await post(room["member"], base, {"kind": "speak"}, 201)
    await post(room["member-1"], base, {"kind": "speak"}, 201)
    await post(chair, f"{base}/next")
    await post(chair, f"/api/items/{first['current_item']}/conclusion", {"text": "", "defer": True})
    second = await post(chair, f"/api/meetings/{meeting}/session/next")
    # The new item starts with an empty, open list; the old speech ended, the wait lapsed.
    assert second["speakers"] == {
        "item": second["current_item"],
        "closed": False,
        "current": None,
        "queue": [],
        "spoke": [],
    }
    async with db.read() as session:
        record = await collect(session, settings, meeting)
    deferred = next(i for i in record.debated_items if i.id == first["current_item"])
    assert [s.seat.name for s in deferred.speeches] == ["Người member"]
