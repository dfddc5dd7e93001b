"""Domain events, their contract, and the in-process bus that hands them out after commit.

The contract, in one place: every kind is a member of :class:`EventKind`, and the table
:data:`KINDS` gives each kind the one :class:`Audience` it goes to and the dataclass its
payload must be. The hub (realtime/hub.py) has one route per audience; a test fails when
a kind has no row here, an audience has no route, or a notice has no listener on a page.

To add a kind: a member of ``EventKind``, a row in ``KINDS`` (a new payload dataclass if
none fits), then emit it with ``Event.of(kind, payload, ...)``. A kind that reaches
people as a notice also needs its text in ``labels.NOTICES`` (shown on every page by
static/js/notices.js), or a page script that listens for it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

log = logging.getLogger(__name__)


class Audience(StrEnum):
    """Who an event is for; each has exactly one route in the hub."""

    # The meeting's live state: its watchers get a fresh state (or a tally), never the
    # event itself.
    MEETING = "meeting"
    # A notice for every connection seated in the event's body.
    BODY = "body"
    # A notice for the people named in the event's ``recipients`` only.
    PEOPLE = "people"
    # A notice for those of the body who may view the matrix of written positions.
    POSITIONS = "positions"
    # Logins (sign-in sessions) that ended (a sign-out, a revoked or cloned passkey) or
    # whose people changed (a seat, a fresh check): every process closes the ended ones'
    # connections and reads those people's sign-ins afresh; nobody is shown anything.
    LOGINS = "logins"


class EventKind(StrEnum):
    BALLOT_CAST = "ballot.cast"
    VOTE_OPENED = "vote.opened"
    VOTE_CLOSED = "vote.closed"
    VOTE_ANNULLED = "vote.annulled"
    SESSION_CHECKED_IN = "session.checked_in"
    SESSION_CONSENT_ADOPTED = "session.consent_adopted"
    SESSION_ITEM_TAKEN = "session.item_taken"
    SESSION_ITEM_CONCLUDED = "session.item_concluded"
    SPEAKERS_CHANGED = "speakers.changed"
    RECUSAL_CHANGED = "recusal.changed"
    PRESENTATION_CHANGED = "presentation.changed"
    ATTENDANCE_AWAY = "attendance.away"
    ATTENDANCE_BACK = "attendance.back"
    MEETING_UPDATED = "meeting.updated"
    MEETING_PUBLISHED = "meeting.published"
    MEETING_SESSION_OPENED = "meeting.session_opened"
    MEETING_CLOSED = "meeting.closed"
    AGENDA_CHANGED = "agenda.changed"
    DOCUMENT_ADDED = "document.added"
    DOCUMENT_CHANGED = "document.changed"
    DOCUMENT_AMENDED = "document.amended"
    NOTIFICATION_CREATED = "notification.created"
    POLL_APPROVED = "poll.approved"
    POLL_SENT = "poll.sent"
    POLL_CANCELLED = "poll.cancelled"
    POLL_CLOSED = "poll.closed"
    AGENDA_TRIAGED = "agenda.triaged"
    AGENDA_ITEM_STATUS = "agenda.item_status"
    COMMENT_ADDED = "comment.added"
    COMMENT_REPLIED = "comment.replied"
    COMMENT_RESOLVED = "comment.resolved"
    POSITION_CHANGED = "position.changed"
    LOGINS_ENDED = "logins.ended"
    ACTORS_CHANGED = "actors.changed"


# --- payloads: what each kind carries to the tablets --------------------------------------


class Payload:
    """The typed body of an event; on the wire it is a flat JSON object."""

    def as_data(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload, no-any-return]


@dataclass(frozen=True)
class BallotCast(Payload):
    poll_id: int
    question_id: int


@dataclass(frozen=True)
class MeetingChanged(Payload):
    """A step of the meeting or its session; ``details`` are what the audit row says."""

    meeting_id: int
    details: Mapping[str, Any] = field(default_factory=dict)

    def as_data(self) -> dict[str, Any]:
        return {**self.details, "meeting_id": self.meeting_id}


@dataclass(frozen=True)
class AttendanceMoved(Payload):
    meeting_id: int
    seat: int


@dataclass(frozen=True)
class Presented(Payload):
    """The page the chair shows on the room displays (None: nothing is presented), and
    whether the tablets follow it."""

    meeting_id: int
    version_id: int | None
    page: int | None
    follow: bool


@dataclass(frozen=True)
class NotificationCreated(Payload):
    kind: str
    subject: str


@dataclass(frozen=True)
class PollMoved(Payload):
    poll_id: int
    state: str


@dataclass(frozen=True)
class ItemStatusChanged(Payload):
    item_id: int
    status: str


@dataclass(frozen=True)
class CommentChanged(Payload):
    comment_id: int
    document_id: int


@dataclass(frozen=True)
class PositionChanged(Payload):
    meeting_id: int
    item_id: int
    member: int
    submitted: bool


@dataclass(frozen=True)
class LoginsEnded(Payload):
    logins: tuple[int, ...]
    reason: str


@dataclass(frozen=True)
class PeopleChanged(Payload):
    people: tuple[int, ...]
    reason: str


@dataclass(frozen=True)
class Spec:
    audience: Audience
    payload: type[Payload]


_LIVE = Spec(Audience.MEETING, MeetingChanged)
_MEETING_NOTICE = Spec(Audience.PEOPLE, MeetingChanged)
_POLL = Spec(Audience.BODY, PollMoved)
_COMMENT = Spec(Audience.BODY, CommentChanged)

KINDS: dict[EventKind, Spec] = {
    EventKind.BALLOT_CAST: Spec(Audience.MEETING, BallotCast),
    EventKind.VOTE_OPENED: _LIVE,
    EventKind.VOTE_CLOSED: _LIVE,
    EventKind.VOTE_ANNULLED: _LIVE,
    EventKind.SESSION_CHECKED_IN: _LIVE,
    EventKind.SESSION_CONSENT_ADOPTED: _LIVE,
    EventKind.SESSION_ITEM_TAKEN: _LIVE,
    EventKind.SESSION_ITEM_CONCLUDED: _LIVE,
    EventKind.SPEAKERS_CHANGED: _LIVE,
    EventKind.RECUSAL_CHANGED: _LIVE,
    EventKind.PRESENTATION_CHANGED: Spec(Audience.MEETING, Presented),
    EventKind.ATTENDANCE_AWAY: Spec(Audience.MEETING, AttendanceMoved),
    EventKind.ATTENDANCE_BACK: Spec(Audience.MEETING, AttendanceMoved),
    EventKind.MEETING_UPDATED: _MEETING_NOTICE,
    EventKind.MEETING_PUBLISHED: _MEETING_NOTICE,
    EventKind.MEETING_SESSION_OPENED: _MEETING_NOTICE,
    EventKind.MEETING_CLOSED: _MEETING_NOTICE,
    EventKind.AGENDA_CHANGED: _MEETING_NOTICE,
    EventKind.DOCUMENT_ADDED: _MEETING_NOTICE,
    EventKind.DOCUMENT_CHANGED: _MEETING_NOTICE,
    EventKind.DOCUMENT_AMENDED: _MEETING_NOTICE,
    EventKind.NOTIFICATION_CREATED: Spec(Audience.PEOPLE, NotificationCreated),
    EventKind.POLL_APPROVED: _POLL,
    EventKind.POLL_SENT: _POLL,
    EventKind.POLL_CANCELLED: _POLL,
    EventKind.POLL_CLOSED: _POLL,
    EventKind.AGENDA_TRIAGED: Spec(Audience.BODY, MeetingChanged),
    EventKind.AGENDA_ITEM_STATUS: Spec(Audience.BODY, ItemStatusChanged),
    EventKind.COMMENT_ADDED: _COMMENT,
    EventKind.COMMENT_REPLIED: _COMMENT,
    EventKind.COMMENT_RESOLVED: _COMMENT,
    EventKind.POSITION_CHANGED: Spec(Audience.POSITIONS, PositionChanged),
    EventKind.LOGINS_ENDED: Spec(Audience.LOGINS, LoginsEnded),
    EventKind.ACTORS_CHANGED: Spec(Audience.LOGINS, PeopleChanged),
}


@dataclass(frozen=True)
class Event:
    """Something that happened, as it travels: ``data`` is the payload's flat form plus
    what the outbox adds (``seq``, a ballot's ``cast``).

    ``meeting_id`` ties an event to a meeting's live stream (its watchers get a fresh
    state); ``recipients`` names the people of a ``PEOPLE`` notice. ``trimmed`` marks an
    event that was too large to cross between processes whole: only its number arrived,
    so it refreshes the meeting's stream and is never shown as a notice.
    Build one with :meth:`Event.of`, which checks the payload against the contract.
    """

    kind: EventKind
    data: dict[str, Any] = field(default_factory=dict)
    body_id: int | None = None
    meeting_id: int | None = None
    recipients: frozenset[int] = frozenset()
    trimmed: bool = False

    @classmethod
    def of(
        cls,
        kind: EventKind,
        payload: Payload,
        *,
        body_id: int | None = None,
        meeting_id: int | None = None,
        recipients: frozenset[int] = frozenset(),
    ) -> Event:
        expected = KINDS[kind].payload
        if not isinstance(payload, expected):
            # A programming error, caught by the first test that emits the event.
            raise TypeError(f"{kind} carries {expected.__name__}, not {type(payload).__name__}")
        return cls(
            kind, payload.as_data(), body_id=body_id, meeting_id=meeting_id, recipients=recipients
        )

    @property
    def audience(self) -> Audience:
        return KINDS[self.kind].audience


Subscriber = Callable[[Sequence[Event]], Awaitable[None]]


class EventBus:
    """Subscribers receive the events of each committed transaction, in order."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        self._subscribers.append(subscriber)
        return lambda: self._subscribers.remove(subscriber)

    async def publish(self, events: Sequence[Event]) -> None:
        if not events:
            return
        for subscriber in list(self._subscribers):
            try:
                await subscriber(events)
            except Exception:
                # The transaction has committed: a failing listener must not turn a
                # recorded vote into an error for the voter.
                log.exception("event subscriber failed")
