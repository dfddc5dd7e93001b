"""One decision for every kind of vote, with the chair found one way; the minutes record
the outcome a vote stored when it closed, and refuse a closed vote that has none."""

from __future__ import annotations

import pytest
from sqlmodel import select

from ecabinet.actions import live_votes, session
from ecabinet.db import Database
from ecabinet.errors import Conflict
from ecabinet.minutes.collect import collect
from ecabinet.models import Poll
from ecabinet.rules import Rules, Tally, chair_seat, decide, decide_vote, decide_written_poll
from ecabinet.settings import Settings
from ecabinet.vocab import PollKind, PollState

from .support.live import actor, attend, make_session

GOVERNMENT = Rules()
TIE = [(1, "for"), (2, "for"), (3, "against"), (4, "against")]


def test_the_chair_is_the_meetings_else_the_lowest_seat_of_the_bodys_chairs() -> None:
    assert chair_seat(9, [3, 1]) == 9
    assert chair_seat(None, [3, 1]) == chair_seat(None, [1, 3]) == 1
    assert chair_seat(None, []) is None


@pytest.mark.parametrize("chair", [1, 3, None])
def test_a_live_vote_is_decided_as_decide_says_with_the_chairs_own_ballot(
    chair: int | None,
) -> None:
    outcome = decide_vote(
        PollKind.LIVE.value, GOVERNMENT, TIE, electorate=4, present=4, chair=chair
    )
    side = {1: "for", 3: "against", None: None}[chair]
    assert outcome == decide(GOVERNMENT, Tally(2, 2), electorate=4, present=4, chair_choice=side)
    assert (
        outcome.rule
        == {1: "tie_chair_for", 3: "tie_chair_against", None: "tie_no_chair_side"}[chair]
    )


def test_a_written_poll_is_decided_with_its_silence_policy() -> None:
    outcome = decide_vote(
        PollKind.WRITTEN.value, GOVERNMENT, TIE, electorate=27, present=0, chair=1
    )
    assert outcome == decide_written_poll(
        GOVERNMENT, Tally(2, 2), electorate=27, chair_choice="for"
    )
    assert outcome.silent == 23 and outcome.rule == "tie_chair_for"


async def test_the_minutes_refuse_a_closed_vote_without_a_stored_outcome(
    db: Database, settings: Settings
) -> None:
    live = await make_session(db, settings)
    chair = await actor(db, live.seats["chair"].person_id)
    await attend(db, live.meeting_id, *live.voters)
    async with db.transaction() as tx:
        await session.open_session(tx, chair, live.meeting_id, confirm=True)
        await session.take_item(tx, chair, live.meeting_id, live.items[1])
        poll = await live_votes.open_vote(tx, chair, live.items[1])
    async with db.transaction() as tx:  # closed behind the rules' back: nothing stored
        row = (await tx.session.exec(select(Poll).where(Poll.id == poll.id))).one()
        row.state = PollState.CLOSED.value
        tx.session.add(row)
    async with db.read() as read:
        with pytest.raises(Conflict, match="no outcome was stored"):
            await collect(read, settings, live.meeting_id)
