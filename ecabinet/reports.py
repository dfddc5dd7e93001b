"""The plain records that actions assemble and the reports render: a written poll's
state and its result notice, a document's comment threads and their synthesis. They live
here, not in actions/, so that pdf/ renders them without importing actions."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from .i18n import N_
from .models import (
    AgendaItem,
    Ballot,
    Body,
    Comment,
    Document,
    DocumentVersion,
    Meeting,
    Membership,
    Person,
    Poll,
    PollQuestion,
    utcnow,
)
from .rules import Outcome, Tally, chair_seat
from .vocab import PollState, Role

# --- written polls ----------------------------------------------------------------------


@dataclass
class QuestionState:
    question: PollQuestion
    ballots: list[Ballot] = field(default_factory=list)

    @property
    def tally(self) -> Tally:
        return Tally.of(b.choice for b in self.ballots)

    def ballot_of(self, membership_id: int | None) -> Ballot | None:
        return next((b for b in self.ballots if b.membership_id == membership_id), None)


@dataclass(frozen=True)
class PollTally:
    poll: Poll
    questions: list[QuestionState]
    voters: list[Membership]

    @property
    def chair(self) -> int | None:
        return chair_seat(
            None, (v.id for v in self.voters if v.role == Role.CHAIR.value and v.id is not None)
        )

    @property
    def closing(self) -> bool:
        """Past its deadline but not decided yet: the sweeper decides it (reading a poll
        never does, so a GET writes nothing)."""
        poll = self.poll
        return (
            poll.state == PollState.OPEN.value
            and poll.deadline is not None
            and utcnow() >= poll.deadline
        )

    def silent_on(self, state: QuestionState) -> list[Membership]:
        answered = {b.membership_id for b in state.ballots}
        return [v for v in self.voters if v.id not in answered]


def outcome_of(question: PollQuestion) -> Outcome | None:
    data = question.outcome
    if not data:
        return None
    return Outcome.from_dict(data)


@dataclass(frozen=True)
class Notice:
    """What the result notice (PDF) states."""

    body: Body
    state: PollTally
    people: dict[int, Person]

    def name_of(self, seat: Membership) -> str:
        person = self.people.get(seat.person_id)
        return person.full_name if person else ""


# --- comments on drafts ------------------------------------------------------------------


class Resolution(StrEnum):
    ACCEPTED = "accepted"  # tiếp thu
    EXPLAINED = "explained"  # giải trình


RESOLUTION_LABELS = {
    Resolution.ACCEPTED.value: N_("Accepted"),
    Resolution.EXPLAINED.value: N_("Explained"),
}


@dataclass
class Thread:
    comment: Comment
    replies: list[Comment] = field(default_factory=list)


@dataclass(frozen=True)
class Synthesis:
    """Everything the synthesis report shows for one document."""

    body: Body
    document: Document
    item: AgendaItem | None
    meeting: Meeting | None
    versions: dict[int, DocumentVersion]
    threads: list[Thread]
    people: dict[int, Person]
    titles: dict[int, str]  # person id -> title in the body
