"""The hub without a network: a slow tablet holds up nobody, a burst of ballots becomes
few messages serialised once, a gap is answered with a fresh state, and notices reach
only the people entitled to them. No test waits on the clock: each lets the event loop
run a bounded number of turns (settle)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from ecabinet.actions.seat_view import SeatFacts, decide
from ecabinet.auth.actor import Actor
from ecabinet.events import (
    Audience,
    Event,
    EventKind,
    MeetingChanged,
    PollMoved,
    PositionChanged,
)
from ecabinet.models import LoginSession, Membership, Person
from ecabinet.realtime import frames, presence
from ecabinet.realtime import hub as hub_module
from ecabinet.realtime.channel import Channel
from ecabinet.realtime.connection import Connection
from ecabinet.realtime.hub import ROUTES, Hub
from ecabinet.settings import Settings
from ecabinet.vocab import MeetingState, Role

MEMBER_VIEW = decide(SeatFacts(Role.MEMBER, 2), MeetingState.IN_SESSION.value)


class FakeSocket:
    """Records what it is sent; a stuck one never finishes sending (a tablet that
    stopped reading, its TCP window full)."""

    def __init__(self, stuck: bool = False) -> None:
        self.stuck = stuck
        self.sent: list[str] = []

    async def send_text(self, text: str) -> None:
        if self.stuck:
            await asyncio.Event().wait()
        self.sent.append(text)

    async def close(self, code: int = 1000, reason: str = "") -> None:
        pass


def _connection(
    person: int,
    *,
    stuck: bool = False,
    limit: int = 8,
    bodies: tuple[int, ...] = (1,),
    role: Role = Role.MEMBER,
) -> tuple[Connection, FakeSocket]:
    socket = FakeSocket(stuck)
    actor = Actor(
        person=Person(id=person, full_name=f"P{person}"),
        login=LoginSession(id=person, token_hash=str(person), person_id=person),
        memberships={b: Membership(body_id=b, person_id=person, role=role.value) for b in bodies},
    )
    return Connection(socket, actor, limit=limit), socket  # type: ignore[arg-type]


async def settle() -> None:
    """Let every task that can run, run: a bounded number of turns of the event loop, no
    wall-clock time (a channel's batch or a tablet's send takes a few turns)."""
    for _ in range(50):
        await asyncio.sleep(0)


def _ballot(seq: int, cast: int, question: int = 7) -> Event:
    return Event(
        EventKind.BALLOT_CAST,
        {"poll_id": 3, "question_id": question, "seq": seq, "cast": cast},
        body_id=1,
        meeting_id=5,
    )


async def test_a_tablet_that_stops_reading_does_not_delay_the_others() -> None:
    hub = Hub.__new__(Hub)
    hub.watchers, hub.connections = {}, set()
    connections = [_connection(n) for n in range(1, 51)]
    slow, slow_socket = _connection(99, stuck=True, limit=8)
    for connection, _ in [*connections, (slow, slow_socket)]:
        hub.watch(connection, 5, MEMBER_VIEW)
    for n in range(100):
        hub.broadcast(5, frames.dump({"type": "tally", "cast": n}))
        await asyncio.sleep(0)
    await settle()
    assert all(len(socket.sent) == 100 for _, socket in connections)
    # The stuck tablet's backlog stayed bounded and ends with "resync".
    assert len(slow.queue) <= 8 and slow.dropped > 0 and frames.RESYNC in slow.queue
    assert slow.busy is not None  # its one send waits; the others never waited
    await slow.stop()


async def test_a_burst_of_ballots_becomes_few_tallies_serialised_once() -> None:
    sent: list[tuple[int, str]] = []
    reads: list[int] = []
    read_done = asyncio.Event()  # the database read of the state, finished when we say

    async def snapshot(meeting_id: int, attendance: bool) -> dict[str, Any]:
        reads.append(meeting_id)
        await read_done.wait()  # ballots keep coming while the state is being read
        return {"seq": 10, "poll": None}

    channel = Channel(5, snapshot, lambda meeting, frame: sent.append((meeting, frame)))
    channel.push(Event(EventKind.VOTE_OPENED, {"seq": 10}, meeting_id=5))
    await settle()
    for n in range(1, 201):
        channel.push(_ballot(10 + n, n))
        if n % 20 == 0:  # ten bursts of twenty, the channel free to run between them
            read_done.set()
            await settle()
    await settle()
    messages = [json.loads(frame) for _, frame in sent]
    assert messages[0]["type"] == "state" and len(reads) == 1
    tallies = [m for m in messages if m["type"] == "tally"]
    assert 1 <= len(tallies) < 20 and tallies[-1]["cast"] == 200 and tallies[-1]["seq"] == 210
    # Each tally says which number it follows, so a tablet can see a gap.
    follows = [m["prev"] for m in tallies]
    assert follows[0] == 10 and follows[1:] == [m["seq"] for m in tallies[:-1]]
    await channel.stop()


async def test_a_gap_in_the_numbers_is_answered_with_a_fresh_state() -> None:
    sent: list[str] = []

    async def snapshot(meeting_id: int, attendance: bool) -> dict[str, Any]:
        return {"seq": 14, "poll": {"cast": 3}}

    channel = Channel(5, snapshot, lambda meeting, frame: sent.append(frame))
    channel.last = 10
    channel.push(_ballot(11, 1))
    await settle()
    channel.push(_ballot(13, 3))  # 12 has not arrived (yet)
    await settle()
    channel.push(_ballot(12, 2))  # late: already covered by the state
    await settle()
    assert [json.loads(f)["type"] for f in sent] == ["tally", "state"]
    assert channel.last == 14
    await channel.stop()


async def test_notices_reach_only_their_recipients() -> None:
    hub = Hub.__new__(Hub)
    hub.watchers, hub.connections, hub.channels = {}, set(), {}
    alice, alice_socket = _connection(1, bodies=(1,))
    bob, bob_socket = _connection(2, bodies=(1,))
    carol, carol_socket = _connection(3, bodies=(2,))
    hub.connections = {alice, bob, carol}
    hub.deliver_one(
        Event.of(
            EventKind.DOCUMENT_CHANGED,
            MeetingChanged(9, {"version": 2}),
            body_id=1,
            meeting_id=9,
            recipients=frozenset({1}),
        )
    )
    hub.deliver_one(Event.of(EventKind.POLL_SENT, PollMoved(2, "sent"), body_id=1))
    hub.deliver_one(Event(EventKind.BALLOT_CAST, {"poll_id": 2, "question_id": 3}, body_id=1))
    hub.deliver_one(
        Event.of(EventKind.SESSION_ITEM_TAKEN, MeetingChanged(9), body_id=1, meeting_id=9)
    )
    kinds = {
        name: [json.loads(f)["kind"] for f in socket.sent]
        for name, socket in (("alice", alice_socket), ("bob", bob_socket), ("carol", carol_socket))
    }
    assert kinds == {"alice": ["document.changed", "poll.sent"], "bob": ["poll.sent"], "carol": []}


def test_every_audience_has_a_route_and_only_those_shown_otherwise_have_none() -> None:
    assert set(ROUTES) == set(Audience)
    # The meeting's stream shows its events as state; LOGINS closes connections.
    assert {a for a, route in ROUTES.items() if route is None} == {
        Audience.MEETING,
        Audience.LOGINS,
    }


async def test_a_changed_position_reaches_those_who_see_the_matrix_only() -> None:
    hub = Hub.__new__(Hub)
    hub.watchers, hub.channels = {}, {}
    chair, chair_socket = _connection(1, role=Role.CHAIR)
    office, office_socket = _connection(2, role=Role.SECRETARIAT)
    member, member_socket = _connection(3, role=Role.MEMBER)
    elsewhere, elsewhere_socket = _connection(4, role=Role.SECRETARIAT, bodies=(2,))
    hub.connections = {chair, office, member, elsewhere}
    hub.deliver_one(
        Event.of(EventKind.POSITION_CHANGED, PositionChanged(9, 11, 3, True), body_id=1)
    )
    [notice] = [json.loads(f) for f in chair_socket.sent]
    assert notice["kind"] == "position.changed"
    assert notice["data"] == {"meeting_id": 9, "item_id": 11, "member": 3, "submitted": True}
    assert office_socket.sent == chair_socket.sent
    assert member_socket.sent == [] and elsewhere_socket.sent == []


def _seat_line(seat: int, checked_in: bool) -> dict[str, Any]:
    return {
        "seat": seat,
        "name": f"Thành viên {seat}",
        "title": None,
        "role": "member",
        "checked_in": checked_in,
        "present": checked_in,
        "away": False,
        "mode": None,
        "stand_in": None,
    }


def _state(seq: int, checked_in: set[int], *, item: int | None = None) -> dict[str, Any]:
    return {
        "seq": seq,
        "current_item": item,
        "agenda": [{"id": 1, "title": "Tờ trình"}],
        "quorum": {
            "members": 200,
            "present": len(checked_in),
            "needed": 101,
            "met": len(checked_in) >= 101,
        },
        "attendance": [_seat_line(n, n in checked_in) for n in range(1, 201)],
        "poll": {"id": 3, "present": len(checked_in), "cast": 0},
        "results": [],
    }


def _checked_in(seq: int, seat: int) -> Event:
    return Event(EventKind.SESSION_CHECKED_IN, {"seq": seq, "seat": seat}, body_id=1, meeting_id=5)


async def test_a_check_in_sends_the_changed_line_not_the_whole_member_list() -> None:
    sent: list[str] = []
    states = [
        _state(10, set()),
        _state(11, {7}),
        _state(13, {7, 8, 9}),
        _state(14, {7, 8, 9}, item=1),
    ]
    reads: list[bool] = []

    async def snapshot(meeting_id: int, attendance: bool) -> dict[str, Any]:
        reads.append(attendance)
        return states[len(reads) - 1]

    channel = Channel(5, snapshot, lambda meeting, frame: sent.append(frame))
    channel.push(Event(EventKind.MEETING_SESSION_OPENED, {"seq": 10}, meeting_id=5))
    await settle()
    channel.push(_checked_in(11, 7))
    await settle()
    channel.push(_checked_in(12, 8))
    channel.push(_checked_in(13, 9))
    await settle()
    # Not only presence: the item taken changes more than who is present.
    channel.push(Event(EventKind.SESSION_ITEM_TAKEN, {"seq": 14}, meeting_id=5))
    await settle()
    messages = [json.loads(frame) for frame in sent]
    assert [m["type"] for m in messages] == ["state", "presence", "presence", "state"]
    first, second = messages[1], messages[2]
    assert [line["seat"] for line in first["seats"]] == [7]
    assert first["seats"][0]["checked_in"] is True
    assert (first["prev"], first["seq"]) == (10, 11)
    assert [line["seat"] for line in second["seats"]] == [8, 9]
    assert (second["prev"], second["seq"]) == (11, 13)
    assert second["quorum"]["present"] == 3 and second["poll"] == {"id": 3, "present": 3, "cast": 0}
    # The whole state is forty times the size of a check-in's frame here.
    assert len(sent[1]) * 40 < len(sent[0])
    assert messages[3]["state"]["current_item"] == 1
    await channel.stop()


async def test_presence_after_a_gap_or_a_lost_bus_sends_the_whole_state() -> None:
    sent: list[str] = []
    numbers = iter([10, 12, 21])

    async def snapshot(meeting_id: int, attendance: bool) -> dict[str, Any]:
        return _state(next(numbers), {1, 2})

    channel = Channel(5, snapshot, lambda meeting, frame: sent.append(frame))
    channel.push(Event(EventKind.MEETING_SESSION_OPENED, {"seq": 10}, meeting_id=5))
    await settle()
    channel.push(_checked_in(12, 2))  # 11 is missing
    await settle()
    channel.reset()  # the LISTEN connection was lost meanwhile
    channel.push(_checked_in(21, 3))
    await settle()
    assert [json.loads(f)["type"] for f in sent] == ["state", "state", "state"]
    await channel.stop()


def test_a_guest_gets_the_quorum_of_a_presence_frame_but_not_who() -> None:
    from ecabinet.actions import seat_view

    frame = frames.presence(
        5,
        12,
        11,
        {
            "quorum": {"present": 3},
            "seats": [_seat_line(7, True)],
            "poll": {"id": 3, "present": 3, "cast": 2},
        },
    )
    invited = seat_view.decide(
        seat_view.SeatFacts(None, guest_items=frozenset({2})), MeetingState.IN_SESSION.value
    )
    guest = json.loads(seat_view.frame_for(frame, invited) or "{}")
    assert guest["seats"] == [] and guest["poll"] is None
    assert guest["quorum"] == {"present": 3} and "Thành viên" not in json.dumps(guest)
    assert seat_view.frame_for(frame, MEMBER_VIEW) == frame


async def test_a_lost_bus_asks_every_tablet_to_resync_spread_over_time() -> None:
    from ecabinet.realtime.hub import resync_spread_ms

    hub = Hub.__new__(Hub)
    hub.watchers, hub.channels, hub.actors = {}, {}, None
    pairs = [_connection(n) for n in range(1, 4)]
    hub.connections = {c for c, _ in pairs}
    hub.lost_events()
    await settle()
    for _, socket in pairs:
        assert [json.loads(f) for f in socket.sent] == [{"type": "resync", "within": 1000}]
    assert resync_spread_ms(2000) == 8000 and resync_spread_ms(100_000) == 10_000


class Clock:
    """time.monotonic as the hub sees it, moved by the test."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


async def test_only_tablets_that_miss_three_pings_are_dropped_however_late_the_beats(
    monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> None:
    """The database keeps the presence sweep waiting (a SQLite write lock held by a burst
    of ballots) and the beats come a minute apart instead of every 15 s: a tablet that
    answers every ping stays connected, one that answers none is dropped after three
    pings, and the pings go on while the one sweep waits."""
    clock = Clock()
    monkeypatch.setattr(hub_module, "time", clock)
    database_answers = asyncio.Event()
    sweeps: list[int] = []

    async def waiting_sweep(_db: Any, _settings: Any, connections: Any) -> set[int]:
        sweeps.append(len(connections))
        await database_answers.wait()
        return set()

    monkeypatch.setattr(presence, "sweep", waiting_sweep)
    hub = Hub(None, settings)  # type: ignore[arg-type]
    answering, answering_socket = _connection(1)
    mute, mute_socket = _connection(2)
    answering.last_heard = mute.last_heard = clock.now
    hub.connections = {answering, mute}
    try:
        for beat in range(1, 7):
            clock.now += 60
            await hub.beat()
            await settle()
            assert answering_socket.sent.count(frames.PING) == beat
            answering.last_heard = clock.now  # its pong
            assert mute.closed == (beat > 3), beat
        assert not answering.closed
        assert mute_socket.sent.count(frames.PING) == 3
        assert sweeps == [2]  # still waiting: no second sweep piled up behind it
    finally:
        database_answers.set()
        await settle()
