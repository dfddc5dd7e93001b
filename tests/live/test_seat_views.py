"""The seats x channels leak matrix: what each seat receives of a live meeting, through
the snapshot a tablet fetches (over HTTP, from a real server) and through the websocket
state frames, compared with what it may see. A guest invited for one item must not learn
another item's title, who attends, or another item's vote."""

from __future__ import annotations

import json

import pytest

from ecabinet.actions import seat_view
from ecabinet.actions.enrollment import issue_enrollment
from ecabinet.actions.live_state import snapshot
from ecabinet.db import Database
from ecabinet.models import ItemGuest, Meeting, Person
from ecabinet.realtime import frames
from ecabinet.vocab import Role

from ..support.factories import Seat
from ..support.live import Tablet, attend, make_session
from .conftest import Server, real_tablet

SEATS = ("chair", "member", "observer", "secretariat", "guest")
CHANNELS = ("snapshot", "frame")


async def _guest(db: Database, server: Server, body_id: int, item_id: int) -> Seat:
    async with db.transaction() as tx:
        person = Person(full_name="Chuyên gia mời", email="guest@example.gov")
        tx.session.add(person)
        await tx.session.flush()
        assert person.id is not None
        tx.session.add(ItemGuest(item_id=item_id, person_id=person.id, name=person.full_name))
        url = await issue_enrollment(tx, server.settings, actor_id=None, person_id=person.id)
    return Seat("guest", person.id, body_id, url.rsplit("/", 1)[1])


async def _frame_state(
    db: Database, meeting_id: int, view: seat_view.SeatView
) -> dict[str, object] | None:
    async with db.read() as session:
        meeting = await session.get(Meeting, meeting_id)
        assert meeting is not None
        frame = frames.state(meeting_id, await snapshot(session, meeting))
    seen = seat_view.frame_for(frame, view)
    return None if seen is None else dict(json.loads(seen)["state"])


@pytest.mark.parametrize("channel", CHANNELS)
async def test_each_seat_sees_what_it_may_and_nothing_more(
    server: Server, tablets: list[Tablet], channel: str
) -> None:
    db = Database(server.settings.database_url)
    try:
        live = await make_session(db, server.settings, items=3)
        await attend(db, live.meeting_id, live.seats["chair"], live.seats["member"])
        invited = live.items[1]
        live.seats["guest"] = await _guest(db, server, live.body_id, invited)
        titles = {f"Tờ trình số {n}" for n in (1, 2, 3)}
        for role in SEATS:
            one = await real_tablet(server, live.seats[role], tablets)
            if channel == "snapshot":
                answer = await one.client.get(f"/api/meetings/{live.meeting_id}/session")
                assert answer.status_code == 200, (role, answer.text)
                state = answer.json()
            else:
                facts = (
                    seat_view.SeatFacts(None, guest_items=frozenset({invited}))
                    if role == "guest"
                    else seat_view.SeatFacts(Role(role), 2)
                )
                found = await _frame_state(
                    db, live.meeting_id, seat_view.decide(facts, "published")
                )
                assert found is not None
                state = found
            seen = {item["title"] for item in state["agenda"]}
            text = json.dumps(state, ensure_ascii=False)
            if role == "guest":
                assert seen == {"Tờ trình số 2"}, (role, channel, seen)
                assert all(title not in text for title in titles - seen), (role, channel)
                assert state["attendance"] == []
                assert "Người chair" not in text and "Người member" not in text
            else:
                assert seen == titles, (role, channel, seen)
                assert len(state["attendance"]) >= 2
    finally:
        await db.dispose()


def test_a_guest_receives_no_running_count_of_a_vote() -> None:
    tally = frames.dump(
        {"type": "tally", "meeting": 1, "seq": 5, "prev": 4, "poll": 1, "question": 1, "cast": 3}
    )
    guest = seat_view.decide(seat_view.SeatFacts(None, guest_items=frozenset({2})), "in_session")
    member = seat_view.decide(seat_view.SeatFacts(Role.MEMBER, 2), "in_session")
    assert seat_view.frame_for(tally, guest) is None
    assert seat_view.frame_for(tally, member) == tally
