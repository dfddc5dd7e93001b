"""Different write paths at once on PostgreSQL, through four server processes: late
check-ins, ballots and changed ballots, the presence sweep, the chair's steps, and the
same body's written poll and written positions on its next meeting. Each
takes its locks in the one order (the rows it needs, the meeting's event counter, the
audit head last), so none deadlocks: every request gets its real answer, never a 5xx."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import col, select

from ecabinet import audit
from ecabinet.db import Database
from ecabinet.events import EventKind
from ecabinet.models import AuditEvent, Ballot, Position
from ecabinet.settings import Settings

from ..support.deliberation import make_meeting
from ..support.live import Tablet, make_session, tablet
from ..support.polls import open_poll
from ..support.processes import Process, free_port, server_environment

PROCESSES = 4


@pytest.fixture
def four(database_url: str, settings: Settings, tmp_path: Path) -> list[Process]:
    environment = server_environment(
        database_url,
        tmp_path / "data",
        origin=settings.origin,
        session_secret=settings.session_secret,
    )
    made = [
        Process(free_port(), environment, tmp_path / f"server-{n}.log") for n in range(PROCESSES)
    ]
    return made


async def _post(one: Tablet, url: str, body: dict[str, Any] | None = None) -> httpx.Response:
    return await one.client.post(url, json=body or {})


async def _vote_and_change(
    one: Tablet, poll: dict[str, Any], *, change: bool
) -> list[httpx.Response]:
    """One member's ballot, then (for some) a changed one: one device signs one at a time."""
    answers = [await one.vote(poll, "for")]
    if change:
        answers.append(await one.vote(poll, "against"))
    return answers


async def _in_turn(
    *steps: Awaitable[httpx.Response | list[httpx.Response]],
) -> list[httpx.Response]:
    """A member's passkey uses one after another, as their tablet makes them: its signature
    counter only goes up, and a server seeing it go back would rightly refuse."""
    answers: list[httpx.Response] = []
    for step in steps:
        done = await step
        answers += done if isinstance(done, list) else [done]
    return answers


async def test_check_ins_ballots_and_steps_at_once_never_answer_5xx(
    four: list[Process], db: Database, settings: Settings
) -> None:
    live = await make_session(db, settings, consent=0, items=4, extra_members=14)
    # Between sessions the body also answers a written poll and gives written positions
    # on its next meeting's items: other locks (the poll's row FOR UPDATE, a position's
    # row) taken while the live session runs.
    written_id, question_id = await open_poll(db, live.body_id)
    written = {"id": written_id, "question_id": question_id}
    _next, next_items = await make_meeting(db, live.body_id, items=2)
    voters: list[Tablet] = []
    try:
        for process in four:
            process.spawn()
        for process in four:
            process.wait_ready()
        seats = live.voters
        voters += [
            await tablet(httpx.AsyncHTTPTransport(), four[n % PROCESSES].url, settings, seat)
            for n, seat in enumerate(seats)
        ]
        for one in voters:
            one.client.timeout = httpx.Timeout(60)  # a busy 2-core machine, not a deadlock
        answers: list[httpx.Response] = []
        chair, meeting = voters[0], live.meeting_id
        answers.append(
            await _post(chair, f"/api/meetings/{meeting}/session/open", {"confirm": True})
        )
        early, late = voters[:12], voters[12:]
        answering, positioned = voters[10:], voters[6:]
        choices, stances = ["for", "against", "for"], ["agree", "disagree", "disagree"]
        answers += await asyncio.gather(*(one.check_in(meeting) for one in early))
        for round_, item in enumerate(live.items[:3]):
            taken = await _post(chair, f"/api/meetings/{meeting}/session/next", {"item": item})
            assert taken.status_code == 200, taken.text
            opened = await _post(chair, f"/api/items/{item}/polls")
            assert opened.status_code == 201, opened.text
            poll = opened.json()
            # Ballots, changed ballots, late check-ins and snapshots, all at once.
            # Some also answer the written poll (then change their answer), after their
            # live ballot or check-in: one device signs one thing at a time.
            work: list[Awaitable[Any]] = [
                _in_turn(
                    _vote_and_change(one, poll, change=n < 6),
                    *([one.vote(written, choices[round_])] if n >= 10 else []),
                )
                for n, one in enumerate(early)
            ]
            work += [
                _in_turn(one.check_in(meeting), one.vote(written, choices[round_])) for one in late
            ]
            work += [one.client.get(f"/api/meetings/{meeting}/session") for one in late]
            # Positions need no passkey: a first one, one on the other item, then a change.
            stance = {"stance": stances[round_], "text": "Cần làm rõ nguồn kinh phí."}
            work += [
                one.client.put(f"/api/items/{next_items[round_ % 2]}/positions/me", json=stance)
                for one in positioned
            ]
            for done in await asyncio.gather(*work):
                answers += done if isinstance(done, list) else [done]
            closed = await _post(chair, f"/api/polls/{poll['id']}/close")
            assert closed.status_code == 200, closed.text
            concluded = await _post(chair, f"/api/items/{item}/conclusion", {"text": "Kết luận."})
            assert concluded.status_code == 200, concluded.text
        failed = [
            f"{a.request.method} {a.request.url.path}: {a.status_code} {a.text[:200]}"
            for a in answers
            if a.status_code >= 500
        ]
        assert failed == []
        ballots = [a for a in answers if a.request.url.path.endswith("/ballots")]
        assert len(ballots) == 3 * (18 + len(answering)) and all(
            a.status_code == 201 for a in ballots
        ), [a.text for a in ballots if a.status_code != 201][:3]
        positions = [a for a in answers if a.request.url.path.endswith("/positions/me")]
        assert len(positions) == 3 * len(positioned) and all(
            a.status_code == 200 for a in positions
        ), [a.text for a in positions if a.status_code != 200][:3]
        async with db.read() as session:
            current = (
                await session.exec(
                    select(Ballot.choice).where(
                        Ballot.poll_id == written_id, col(Ballot.superseded_by_id).is_(None)
                    )
                )
            ).all()
            given = (
                await session.exec(
                    select(Position.stance).where(col(Position.item_id).in_(next_items))
                )
            ).all()
            assert (await audit.verify_chain(session)).ok
        # Each member's last written answer is the one that counts; each position is kept.
        assert sorted(current) == ["for"] * len(answering)
        assert sorted(given) == ["disagree"] * 2 * len(positioned)
    finally:
        for one in voters:
            await one.client.aclose()
        for process in four:
            process.stop()


async def test_a_ballot_cast_as_the_vote_closes_counts_or_is_refused(
    four: list[Process], db: Database, settings: Settings
) -> None:
    """The poll's row lock is taken late, after the ballot is verified (actions/ballots.py):
    a ballot racing the chair's close is either acknowledged and counted in the close, or
    refused as too late; never acknowledged and left out, never recorded after the close."""
    live = await make_session(db, settings, consent=0, items=1, extra_members=14)
    voters: list[Tablet] = []
    try:
        for process in four:
            process.spawn()
        for process in four:
            process.wait_ready()
        voters += [
            await tablet(httpx.AsyncHTTPTransport(), four[n % PROCESSES].url, settings, seat)
            for n, seat in enumerate(live.voters)
        ]
        for one in voters:
            one.client.timeout = httpx.Timeout(60)
        chair, meeting = voters[0], live.meeting_id
        opened = await _post(chair, f"/api/meetings/{meeting}/session/open", {"confirm": True})
        assert opened.status_code == 200, opened.text
        for one in voters:
            checked_in = await one.check_in(meeting)
            assert checked_in.status_code == 200, checked_in.text
        taken = await _post(chair, f"/api/meetings/{meeting}/session/next", {"item": live.items[0]})
        assert taken.status_code == 200, taken.text
        started = await _post(chair, f"/api/items/{live.items[0]}/polls")
        assert started.status_code == 201, started.text
        poll = started.json()
        signed = [(await one.ballot(poll, "for"))[1] for one in voters]

        async def close_soon() -> httpx.Response:
            await asyncio.sleep(0.05)
            return await _post(chair, f"/api/polls/{poll['id']}/close")

        *casts, closed = await asyncio.gather(
            *(
                one.client.post(f"/api/polls/{poll['id']}/ballots", json=body)
                for one, body in zip(voters, signed, strict=True)
            ),
            close_soon(),
        )
        assert closed.status_code == 200, closed.text
        assert all(a.status_code in (201, 409) for a in casts), [
            a.text for a in casts if a.status_code not in (201, 409)
        ][:3]
        assert all(
            a.json()["type"] == "urn:ecabinet:problem:poll-not-open"
            for a in casts
            if a.status_code == 409
        )
        acknowledged = sorted(a.json()["receipt"] for a in casts if a.status_code == 201)
        async with db.read() as session:
            recorded = (
                await session.exec(select(Ballot.receipt).where(Ballot.poll_id == poll["id"]))
            ).all()
            close = (
                await session.exec(
                    select(AuditEvent).where(
                        AuditEvent.kind == EventKind.VOTE_CLOSED.value,
                        AuditEvent.subject == f"meeting:{meeting}",
                    )
                )
            ).one()
        assert sorted(recorded) == acknowledged
        assert close.data["receipts"] == acknowledged
    finally:
        for one in voters:
            await one.client.aclose()
        for process in four:
            process.stop()
