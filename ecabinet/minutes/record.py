"""What the minutes say, as plain data: collected once from the database, then rendered
to PDF, written into the evidence file and checked, without any further I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .. import vote_options
from ..rules import Outcome


@dataclass(frozen=True)
class Seat:
    """A person as the minutes name them, with the seat they hold."""

    membership_id: int
    name: str
    title: str = ""
    title_en: str = ""
    role: str = "member"

    def title_in(self, locale: str) -> str:
        return self.title_en or self.title if locale == "en" else self.title


@dataclass(frozen=True)
class Presence:
    seat: Seat
    mode: str  # vocab.AttendanceMode; "absent" when no attendance was recorded
    reason: str = ""
    stand_in: Seat | None = None
    recorded: bool = True
    # The ordinals of the items a stand-in's mandate was limited to (empty: all of them).
    stand_in_items: tuple[int, ...] = ()


@dataclass(frozen=True)
class Quorum:
    members: int
    present: int  # at the opening
    needed: int
    # When the quorum was first reached, and how many were present then: a session may be
    # opened before the members check in (the chair is warned), and reach quorum later.
    reached_at: datetime | None = None
    present_when_reached: int = 0
    attended: int = 0  # voting members present at some time during the session

    @property
    def reached(self) -> bool:
        return self.members > 0 and self.present >= self.needed


@dataclass(frozen=True)
class BallotRecord:
    membership_id: int
    choice: str
    receipt: str
    payload: str  # the canonical JSON the voter's passkey signed (through its hash)
    authenticator_data: bytes
    client_data_json: bytes
    signature: bytes
    public_key_spki_pem: str


@dataclass(frozen=True)
class Annulment:
    """A live vote the chair annulled: its ballots are kept as evidence and not counted."""

    at: datetime | None
    by: str
    reason: str


@dataclass(frozen=True)
class VoteRecord:
    poll_id: int
    question_id: int
    kind: str  # vocab.PollKind
    title: str
    question: str
    options: tuple[str, ...]
    secret: bool
    rules: dict[str, Any]
    electorate: int
    present: int
    chair_membership_id: int | None
    outcome: dict[str, Any]  # rules.Outcome.as_dict(), as recorded when the vote closed
    ballots: tuple[BallotRecord, ...]
    voters: tuple[int, ...]  # entitled seats, in roll-call order
    item_id: int | None = None
    closed_at: datetime | None = None
    opened_at: datetime | None = None
    present_at_opening: int | None = None  # live votes: voting members present then
    deadline: datetime | None = None  # written polls
    # The document versions voted on, frozen when the vote opened: {"document", "title",
    # "version", "sha256"}; each ballot's payload names the same.
    texts: tuple[dict[str, Any], ...] = ()
    # A "choose one option" question's options ({"key", "label", "label_en"}), in order;
    # empty for a for/against vote. ``options`` then holds their keys and abstaining.
    labels: tuple[dict[str, str], ...] = ()
    annulled: Annulment | None = None
    rerun_of: int | None = None  # the poll of the annulled vote this one asks again

    def label_of(self, key: str, locale: str) -> str:
        option = next((o for o in self.labels if o["key"] == key), None)
        return key if option is None else vote_options.label_of(option, locale)

    def position_of(self, key: str) -> int:
        """1 for the first option, 0 for a choice that is none of them."""
        return next((n for n, o in enumerate(self.labels, start=1) if o["key"] == key), 0)

    @property
    def closed_early(self) -> bool:
        """A written poll closed before its deadline because no answer could change it."""
        return bool(self.outcome.get("early"))

    @property
    def decided(self) -> Outcome:
        return outcome_from_dict(self.outcome)

    def ballot_of(self, membership_id: int) -> BallotRecord | None:
        return next((b for b in self.ballots if b.membership_id == membership_id), None)


@dataclass(frozen=True)
class PositionLine:
    seat: Seat
    stance: str
    text: str


@dataclass(frozen=True)
class TaskLine:
    """A follow-up task the conclusion assigns (theo dõi nhiệm vụ)."""

    id: int
    agency: str
    text: str
    deadline: datetime


@dataclass(frozen=True)
class SpeechLine:
    """One speech of the list of speakers, in the order the floor was given."""

    seat: Seat
    kind: str
    started_at: datetime
    seconds: int


@dataclass(frozen=True)
class ItemRecord:
    id: int
    ordinal: int
    title: str
    title_en: str
    presenter: str
    kind: str
    status: str
    status_reason: str = ""
    discussion_notes: str = ""
    conclusion: str = ""
    stance_counts: dict[str, int] = field(default_factory=dict)
    positions: tuple[PositionLine, ...] = ()
    votes: tuple[VoteRecord, ...] = ()
    guests: tuple[tuple[str, str], ...] = ()  # (name, affiliation)
    tasks: tuple[TaskLine, ...] = ()
    speeches: tuple[SpeechLine, ...] = ()
    # Who declared a conflict of interest on the item, with their reason.
    recusals: tuple[tuple[Seat, str], ...] = ()

    def title_in(self, locale: str) -> str:
        return self.title_en or self.title if locale == "en" else self.title


@dataclass(frozen=True)
class AuditHeadAt:
    seq: int
    hash: str
    at: datetime | None


@dataclass(frozen=True)
class MinutesRecord:
    origin: str
    rp_id: str
    time_zone: str
    body_id: int
    body_name: str
    body_name_en: str
    body_short_name: str
    meeting_id: int
    number: int | None
    title: str
    kind: str
    form: str
    place: str
    starts_at: datetime
    opened_at: datetime | None
    closed_at: datetime | None
    chair: Seat | None
    secretary: Seat | None
    voters: tuple[Seat, ...]
    attendance: tuple[Presence, ...]
    invitees: tuple[Presence, ...]
    quorum: Quorum
    consent_adopted_at: datetime | None
    consent_items: tuple[ItemRecord, ...]
    debated_items: tuple[ItemRecord, ...]
    written_votes: tuple[VoteRecord, ...]
    audit_head: AuditHeadAt
    issuing_place: str = "Hà Nội"

    @property
    def seats(self) -> dict[int, Seat]:
        """Every seat the minutes mention, by membership id."""
        found: dict[int, Seat] = {s.membership_id: s for s in self.voters}
        for presence in (*self.attendance, *self.invitees):
            found[presence.seat.membership_id] = presence.seat
            if presence.stand_in is not None:
                found[presence.stand_in.membership_id] = presence.stand_in
        for extra in (self.chair, self.secretary):
            if extra is not None:
                found.setdefault(extra.membership_id, extra)
        return found

    @property
    def votes(self) -> tuple[VoteRecord, ...]:
        """Every vote in the order the minutes print them."""
        live = tuple(v for item in self.debated_items for v in item.votes)
        return live + self.written_votes


def outcome_from_dict(data: dict[str, Any]) -> Outcome:
    return Outcome.from_dict(data)
