"""seat_view.decide, the one rule every channel asks: each seat kind in each meeting state."""

from __future__ import annotations

import pytest

from ecabinet.actions.seat_view import NOT_INVITED, NOT_PUBLISHED, SeatFacts, SeatKind, decide
from ecabinet.vocab import MeetingState, Role

GUEST_ITEMS = frozenset({7})
FACTS = {
    SeatKind.SECRETARIAT: SeatFacts(Role.SECRETARIAT, 3),
    SeatKind.CHAIR: SeatFacts(Role.CHAIR, 4),
    SeatKind.MEMBER: SeatFacts(Role.MEMBER, 2),
    SeatKind.STAND_IN: SeatFacts(Role.MEMBER, 2, stand_in=True),
    SeatKind.OBSERVER: SeatFacts(Role.OBSERVER, 1),
    SeatKind.GUEST: SeatFacts(None, guest_items=GUEST_ITEMS),
    SeatKind.OUTSIDER: SeatFacts(None),
}


@pytest.mark.parametrize("state", list(MeetingState))
@pytest.mark.parametrize("kind", list(FACTS))
def test_each_seat_kind_in_each_state(kind: SeatKind, state: MeetingState) -> None:
    view = decide(FACTS[kind], state.value)
    assert view.kind == kind
    if kind == SeatKind.SECRETARIAT:
        assert view.sees_meeting and view.prepares and view.item_ids is None
    elif kind == SeatKind.OUTSIDER:
        assert view.refusal == NOT_INVITED and not view.sees_item(7)
    elif state == MeetingState.DRAFT:
        assert view.refusal == (NOT_INVITED if kind == SeatKind.GUEST else NOT_PUBLISHED)
        assert not view.sees_item(7) and not view.may_read(0)
    elif kind == SeatKind.GUEST:
        assert view.item_ids == GUEST_ITEMS and view.sees_item(7) and not view.sees_item(8)
        assert view.may_read(1) and not view.may_read(2)  # nothing classified
        assert not view.sees_attendance and not view.sees_running_count
    else:
        assert view.sees_meeting and view.item_ids is None and not view.prepares
        assert view.clearance == FACTS[kind].clearance and view.sees_attendance


def test_a_guest_with_a_seat_in_the_body_is_seen_as_their_seat() -> None:
    both = SeatFacts(Role.OBSERVER, 1, guest_items=GUEST_ITEMS)
    assert decide(both, MeetingState.PUBLISHED.value).item_ids is None
