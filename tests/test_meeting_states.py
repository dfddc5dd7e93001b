"""The meeting's state table: what each state allows, and a precise refusal for the rest."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ecabinet.actions.meeting_states import (
    ALLOWED,
    Change,
    ensure_allows,
    ensure_can_move,
)
from ecabinet.errors import Conflict
from ecabinet.models import Meeting, utcnow
from ecabinet.vocab import MeetingState

EXPECTED = {
    MeetingState.DRAFT: set(Change),
    MeetingState.PUBLISHED: set(Change) - {Change.REMOVE_ITEM, Change.REMOVE_DOCUMENT},
    MeetingState.IN_SESSION: {Change.ADD_VERSION, Change.EDIT_GUESTS, Change.RECLASSIFY},
    MeetingState.CLOSED: {Change.RECLASSIFY},
}


def _meeting(state: MeetingState) -> Meeting:
    return Meeting(
        body_id=1, title="Phiên họp", starts_at=utcnow() + timedelta(days=5), state=state.value
    )


@pytest.mark.parametrize("state", list(MeetingState))
@pytest.mark.parametrize("change", list(Change))
def test_each_state_allows_exactly_its_changes(state: MeetingState, change: Change) -> None:
    meeting = _meeting(state)
    assert (change in ALLOWED[state]) == (change in EXPECTED[state])
    if change in EXPECTED[state]:
        ensure_allows(meeting, change)
        return
    with pytest.raises(Conflict) as refused:
        ensure_allows(meeting, change)
    assert refused.value.detail.startswith(("The packet is published", "The meeting is"))


@pytest.mark.parametrize(
    ("state", "target", "allowed"),
    [
        (MeetingState.DRAFT, MeetingState.PUBLISHED, True),
        (MeetingState.PUBLISHED, MeetingState.IN_SESSION, True),
        (MeetingState.IN_SESSION, MeetingState.CLOSED, True),
        (MeetingState.DRAFT, MeetingState.IN_SESSION, False),
        (MeetingState.DRAFT, MeetingState.CLOSED, False),
        (MeetingState.PUBLISHED, MeetingState.CLOSED, False),
        (MeetingState.CLOSED, MeetingState.PUBLISHED, False),
        (MeetingState.IN_SESSION, MeetingState.IN_SESSION, False),
    ],
)
def test_the_only_moves_are_forward_one_step(
    state: MeetingState, target: MeetingState, allowed: bool
) -> None:
    meeting = _meeting(state)
    if allowed:
        ensure_can_move(meeting, target)
    else:
        with pytest.raises(Conflict):
            ensure_can_move(meeting, target)
