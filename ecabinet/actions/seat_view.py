"""What one seat sees of a meeting, decided in one place for every channel.

``decide`` is a pure function of what the database says about the person and the meeting
(:class:`SeatFacts`); ``access.meeting_access`` gathers those facts and every channel goes
through it: the packet, agenda and book pages and their APIs, the live snapshot, the
websocket frames, the room display, the minutes pages and downloads, search, the calendar
and the document files.

- the secretariat sees everything, drafts included;
- the chair, a member and a stand-in see the published meeting whole, at their clearance;
- an observer reads the same (and neither votes nor gives positions);
- a guest invited for some items sees those items and their results only: no other item's
  title, no list of who attends, no vote on another item, not even its running count;
- a display seat (a room's projector, actions/displays.py) of the meeting's body sees what
  the room sees on the screen once the meeting is published: the agenda's titles without
  the conclusions, who is present (not who is absent or lost the connection), the open
  vote's count (and an open vote's roll call, when the chair chose one), results, the
  list of speakers, and the one page the chair presents (actions/presenting.py);
- a person of another body, or with no seat and no invitation, sees nothing of it, not
  even its title; nor does a display of another body.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ..i18n import N_
from ..models import Membership
from ..realtime import frames
from ..vocab import Classification, MeetingState, Role

# A guest without a seat in the body reads what is not classified, never more.
GUEST_CLEARANCE = int(Classification.INTERNAL)

NOT_PUBLISHED = N_(
    "This meeting is still being prepared; members see it once the secretariat publishes it."
)
NOT_INVITED = N_(
    "You have no seat in the body that holds this meeting, and you are not invited to it."
)
NOT_SHOWN = N_(
    "This display belongs to another body, or the meeting is not published; it cannot show it."
)


class SeatKind(StrEnum):
    SECRETARIAT = "secretariat"
    CHAIR = "chair"
    MEMBER = "member"
    STAND_IN = "stand_in"
    OBSERVER = "observer"
    GUEST = "guest"
    DISPLAY = "display"
    OUTSIDER = "outsider"


@dataclass(frozen=True)
class SeatFacts:
    """What the database says about one person and one meeting."""

    role: Role | None  # their seat's role in the meeting's body; None: no seat there
    clearance: int = 0
    stand_in: bool = False  # the seat attends in another member's place
    guest_items: frozenset[int] = frozenset()  # items they are invited to as a guest
    # Not a person: a display seat, of the meeting's body (True) or of another (False).
    display: bool | None = None


@dataclass(frozen=True)
class SeatView:
    kind: SeatKind
    # None: every item. Otherwise only these (an invited guest).
    item_ids: frozenset[int] | None
    clearance: int
    prepares: bool = False
    sees_attendance: bool = True
    # The tally frames while a vote runs (the snapshot's count is refreshed on opening).
    sees_running_count: bool = True
    # A refusal (an English msgid) when the seat may not see the meeting at all.
    refusal: str | None = None

    @property
    def sees_meeting(self) -> bool:
        return self.refusal is None

    def sees_item(self, item_id: int | None) -> bool:
        return self.sees_meeting and (self.item_ids is None or item_id in self.item_ids)

    def may_read(self, classification: int) -> bool:
        return self.sees_meeting and classification <= self.clearance


def seat_facts(seat: Membership | None, guest_items: frozenset[int] = frozenset()) -> SeatFacts:
    """The facts of one seat in the meeting's body (None: no seat there)."""
    if seat is None or not seat.active or seat.role == Role.ADMIN.value:
        return SeatFacts(None, guest_items=guest_items)
    return SeatFacts(Role(seat.role), seat.clearance, seat.stand_in_for_id is not None, guest_items)


def _kind(facts: SeatFacts) -> SeatKind:
    if facts.role is None or facts.role == Role.ADMIN:
        return SeatKind.GUEST if facts.guest_items else SeatKind.OUTSIDER
    if facts.role == Role.SECRETARIAT:
        return SeatKind.SECRETARIAT
    if facts.role == Role.OBSERVER:
        return SeatKind.OBSERVER
    if facts.stand_in:
        return SeatKind.STAND_IN
    return SeatKind.CHAIR if facts.role == Role.CHAIR else SeatKind.MEMBER


def decide(facts: SeatFacts, meeting_state: str) -> SeatView:
    """What this seat sees of a meeting in this state."""
    draft = meeting_state == MeetingState.DRAFT.value
    if facts.display is not None:
        if draft or not facts.display:
            return SeatView(
                SeatKind.DISPLAY,
                frozenset(),
                0,
                sees_attendance=False,
                sees_running_count=False,
                refusal=NOT_SHOWN,
            )
        return SeatView(SeatKind.DISPLAY, None, 0)
    kind = _kind(facts)
    if kind == SeatKind.SECRETARIAT:
        return SeatView(kind, None, facts.clearance, prepares=True)
    if kind == SeatKind.OUTSIDER:
        return SeatView(
            kind,
            frozenset(),
            0,
            sees_attendance=False,
            sees_running_count=False,
            refusal=NOT_INVITED,
        )
    if draft:
        return SeatView(
            kind,
            frozenset(),
            0,
            sees_attendance=False,
            sees_running_count=False,
            refusal=NOT_INVITED if kind == SeatKind.GUEST else NOT_PUBLISHED,
        )
    if kind == SeatKind.GUEST:
        return SeatView(
            kind,
            facts.guest_items,
            GUEST_CLEARANCE,
            sees_attendance=False,
            sees_running_count=False,
        )
    return SeatView(kind, None, facts.clearance)


def live_state_for(state: dict[str, Any], view: SeatView) -> dict[str, Any]:
    """The live snapshot as this seat may receive it."""
    if view.kind == SeatKind.DISPLAY:
        return display_state(state)
    items = view.item_ids
    poll = state.get("poll")
    scoped = dict(state)
    if items is not None:
        scoped.update(
            agenda=[item for item in state["agenda"] if item["id"] in items],
            current_item=state["current_item"] if state["current_item"] in items else None,
            poll=poll if poll is not None and poll.get("item") in items else None,
            results=[result for result in state["results"] if result.get("item") in items],
            annulled=[a for a in state.get("annulled", []) if a.get("item") in items],
            speakers=state.get("speakers") if state["current_item"] in items else None,
            recusals=state.get("recusals", []) if state["current_item"] in items else [],
            presenting=state.get("presenting") if state["current_item"] in items else None,
        )
    if not view.sees_attendance and "attendance" in state:
        scoped["attendance"] = []
    return scoped


def display_state(state: dict[str, Any]) -> dict[str, Any]:
    """What the room's screen shows of a state (see the module's docstring)."""
    shown = {key: value for key, value in state.items() if key != "me"}
    shown["agenda"] = [
        {key: value for key, value in item.items() if key != "conclusion"}
        for item in state["agenda"]
    ]
    # Who does not take part in the item, by name; the reason stays on the tablets and
    # in the minutes.
    shown["recusals"] = [{"seat": r["seat"], "name": r["name"]} for r in state.get("recusals", [])]
    if "attendance" in state:
        shown["attendance"] = [
            {
                "seat": seat["seat"],
                "name": seat["name"],
                "present": True,
                "checked_in": True,
                "away": False,
                "mode": seat["mode"],
                "stand_in": seat["stand_in"],
            }
            for seat in state["attendance"]
            if seat["present"]
        ]
    return shown


def frame_for_display(frame: str) -> str:
    message = json.loads(frame)
    if message.get("type") == "presence":
        # Its lines say who left or lost the connection, which a projector does not show:
        # the display fetches its own state (display_state) instead, at once.
        return frames.resync(200)
    if message.get("type") != "state":
        return frame
    message["state"] = display_state(message["state"])
    return frames.dump(message)


def frame_for(frame: str, view: SeatView) -> str | None:
    """The websocket frame as this seat may receive it; None when it may not at all."""
    if view.kind == SeatKind.DISPLAY:
        return frame_for_display(frame)
    if view.item_ids is None and view.sees_attendance and view.sees_running_count:
        return frame
    message = json.loads(frame)
    if message.get("type") == "tally" and not view.sees_running_count:
        return None  # the running count of a vote the seat may not follow
    if message.get("type") == "state":
        message["state"] = live_state_for(message["state"], view)
        return frames.dump(message)
    if message.get("type") == "presence" and not view.sees_attendance:
        # The quorum's counts, as in the guest's state; not who, nor any vote's counts.
        return frames.dump({**message, "seats": [], "poll": None})
    return frame
