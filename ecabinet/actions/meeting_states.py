"""What may change in a meeting in each of its states: draft -> published -> in session ->
closed. One table, one check, and a refusal that says why for every pair it refuses.

- draft: the secretariat prepares everything; members see nothing yet.
- published: the packet is out. Details, items and documents may still change (every
  change reaches the tablets and a new version is flagged), but nothing is removed: an
  item stays and the session may defer it; a document gets a new version instead.
- in session: the agenda is fixed; only a revised version of a document may be tabled.
- closed: nothing changes. Classification stays reviewable in every state (the law asks
  that a classification be reviewable), and guests may be recorded until the close.
"""

from __future__ import annotations

from enum import StrEnum

from ..errors import Conflict
from ..i18n import N_
from ..models import Meeting
from ..vocab import MeetingState


class Change(StrEnum):
    EDIT_DETAILS = "edit_details"
    ADD_ITEM = "add_item"
    EDIT_ITEM = "edit_item"
    REMOVE_ITEM = "remove_item"
    REORDER = "reorder"
    EDIT_GUESTS = "edit_guests"
    ADD_DOCUMENT = "add_document"
    REMOVE_DOCUMENT = "remove_document"
    ADD_VERSION = "add_version"
    RECLASSIFY = "reclassify"


_EVERYTHING = frozenset(Change)
ALLOWED: dict[MeetingState, frozenset[Change]] = {
    MeetingState.DRAFT: _EVERYTHING,
    MeetingState.PUBLISHED: _EVERYTHING - {Change.REMOVE_ITEM, Change.REMOVE_DOCUMENT},
    MeetingState.IN_SESSION: frozenset({Change.ADD_VERSION, Change.EDIT_GUESTS, Change.RECLASSIFY}),
    MeetingState.CLOSED: frozenset({Change.RECLASSIFY}),
}

# The refusal for each (state, change) the table refuses; a state's default otherwise.
_REFUSALS: dict[tuple[MeetingState, Change], str] = {
    (MeetingState.PUBLISHED, Change.REMOVE_ITEM): N_(
        "The packet is published: an item can no longer be removed. Leave it on the agenda; "
        "the session can defer it."
    ),
    (MeetingState.PUBLISHED, Change.REMOVE_DOCUMENT): N_(
        "The packet is published: a document can no longer be removed. Upload a new version "
        "with a change note instead."
    ),
    (MeetingState.IN_SESSION, Change.EDIT_DETAILS): N_(
        "The meeting is in session: its date, place and form can no longer change."
    ),
    (MeetingState.IN_SESSION, Change.ADD_DOCUMENT): N_(
        "The meeting is in session: no new document can be added. A revised version of an "
        "existing document may still be tabled."
    ),
}
_BY_STATE: dict[MeetingState, str] = {
    MeetingState.IN_SESSION: N_(
        "The meeting is in session: the agenda is fixed. Only a revised version of a "
        "document may still be tabled."
    ),
    MeetingState.CLOSED: N_(
        "The meeting is closed: its agenda and documents can no longer change."
    ),
}


def state_of(meeting: Meeting) -> MeetingState:
    return MeetingState(meeting.state)


def ensure_allows(meeting: Meeting, change: Change) -> None:
    state = state_of(meeting)
    if change in ALLOWED[state]:
        return
    message = _REFUSALS.get((state, change)) or _BY_STATE[state]
    raise Conflict(message)


def allowed_changes(meeting: Meeting) -> dict[str, bool]:
    """For the workspace and the API: which changes the meeting accepts now."""
    return {change.value: change in ALLOWED[state_of(meeting)] for change in Change}


# Transitions: the only way a meeting's state changes.
TRANSITIONS: dict[MeetingState, MeetingState] = {
    MeetingState.DRAFT: MeetingState.PUBLISHED,
    MeetingState.PUBLISHED: MeetingState.IN_SESSION,
    MeetingState.IN_SESSION: MeetingState.CLOSED,
}
_WRONG_START: dict[tuple[MeetingState, MeetingState], str] = {
    (MeetingState.PUBLISHED, MeetingState.PUBLISHED): N_("This meeting is already published."),
    (MeetingState.PUBLISHED, MeetingState.IN_SESSION): N_(
        "This meeting is in session; it was published before."
    ),
    (MeetingState.PUBLISHED, MeetingState.CLOSED): N_("This meeting is closed."),
    (MeetingState.IN_SESSION, MeetingState.DRAFT): N_(
        "The session cannot open before the packet is published."
    ),
    (MeetingState.IN_SESSION, MeetingState.IN_SESSION): N_("The session is already open."),
    (MeetingState.IN_SESSION, MeetingState.CLOSED): N_(
        "This meeting is closed; its session cannot open again."
    ),
    (MeetingState.CLOSED, MeetingState.DRAFT): N_(
        "A draft meeting cannot be closed: it never went out."
    ),
    (MeetingState.CLOSED, MeetingState.PUBLISHED): N_(
        "The meeting can be closed only after its session has opened."
    ),
    (MeetingState.CLOSED, MeetingState.CLOSED): N_("This meeting is already closed."),
}


def ensure_can_move(meeting: Meeting, target: MeetingState) -> None:
    state = state_of(meeting)
    if TRANSITIONS.get(state) != target:
        raise Conflict(_WRONG_START[(target, state)])
