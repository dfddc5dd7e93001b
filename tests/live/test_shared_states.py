"""The snapshot tablets fetch is read once per meeting change and shared, per seat view:
a guest is never served the whole meeting a member fetched a moment before (nor the
reverse), and nobody is served another person's ``me``."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from sqlalchemy import update
from sqlmodel import col

from ecabinet.db import Database
from ecabinet.models import ItemGuest, Meeting, Person
from ecabinet.realtime.states import StateCache
from ecabinet.settings import Settings

from ..support.live import actor, attend, make_session


async def _guest(db: Database, item_id: int) -> int:
    async with db.transaction() as tx:
        person = Person(full_name="Chuyên gia mời", email="guest@example.gov")
        tx.session.add(person)
        await tx.session.flush()
        assert person.id is not None
        tx.session.add(ItemGuest(item_id=item_id, person_id=person.id, name=person.full_name))
    return person.id


async def _view(db: Database, cache: StateCache, person_id: int, meeting_id: int) -> dict[str, Any]:
    async with db.read() as session:
        text = await cache.view(session, await actor(db, person_id), meeting_id)
    result: dict[str, Any] = json.loads(text)
    return result


async def test_each_seat_view_is_cached_apart_and_me_is_never_shared(
    db: Database, settings: Settings
) -> None:
    live = await make_session(db, settings, items=3)
    await attend(db, live.meeting_id, live.seats["chair"], live.seats["member"])
    guest = await _guest(db, live.items[1])
    cache = StateCache()
    chair, member = live.seats["chair"].person_id, live.seats["member"].person_id
    for order in ([guest, member, chair], [member, guest, chair]):
        cache.entries.clear()
        seen = {person: await _view(db, cache, person, live.meeting_id) for person in order}
        assert cache.reads == (1 if order[0] == guest else 2)  # one read per change
        shown = seen[guest]
        assert [item["title"] for item in shown["agenda"]] == ["Tờ trình số 2"]
        assert shown["attendance"] == [] and "Người member" not in json.dumps(
            shown, ensure_ascii=False
        )
        assert shown["me"]["person"] == guest
        for person in (member, chair):
            assert len(seen[person]["agenda"]) == 3 and len(seen[person]["attendance"]) >= 2
            assert seen[person]["me"]["person"] == person
        assert seen[chair]["me"]["may_run"] and not seen[member]["me"]["may_run"]


async def test_a_room_resyncing_at_once_reads_the_state_once_per_change(
    db: Database, settings: Settings
) -> None:
    live = await make_session(db, settings, items=2)
    cache = StateCache()
    people = [seat.person_id for seat in live.voters]
    views = await asyncio.gather(*(_view(db, cache, p, live.meeting_id) for p in people))
    assert cache.reads == 1 and len({v["seq"] for v in views}) == 1
    await _view(db, cache, people[0], live.meeting_id)
    assert cache.reads == 1
    # The meeting's next event number: the next tablet reads the state afresh.
    async with db.transaction() as tx:
        await tx.session.exec(
            update(Meeting)
            .where(col(Meeting.id) == live.meeting_id)
            .values(event_seq=Meeting.event_seq + 1)
        )
    after = await _view(db, cache, people[0], live.meeting_id)
    assert cache.reads == 2 and after["seq"] == views[0]["seq"] + 1


async def test_a_shared_state_is_read_again_after_its_age_limit(
    db: Database, settings: Settings
) -> None:
    live = await make_session(db, settings, items=1)
    now = [0.0]
    cache = StateCache(max_age=5, clock=lambda: now[0])
    person = live.voters[0].person_id
    await _view(db, cache, person, live.meeting_id)
    now[0] = 4.0
    await _view(db, cache, person, live.meeting_id)
    assert cache.reads == 1
    now[0] = 6.0  # a change that numbered no event (a name corrected) shows by now
    await _view(db, cache, person, live.meeting_id)
    assert cache.reads == 2


async def test_tablets_waiting_on_a_read_whose_client_went_away_read_for_themselves(
    db: Database, settings: Settings
) -> None:
    live = await make_session(db, settings, items=1)
    cache = StateCache()
    first, second = (seat.person_id for seat in live.voters[:2])
    reading = asyncio.create_task(_view(db, cache, first, live.meeting_id))
    for _ in range(10_000):  # until the first request has started the shared read
        if cache.entries:
            break
        await asyncio.sleep(0)
    waiting = asyncio.create_task(_view(db, cache, second, live.meeting_id))
    await asyncio.sleep(0)
    reading.cancel()
    shown = await waiting
    assert shown["me"]["person"] == second and cache.reads == 2
