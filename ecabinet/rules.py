"""The body's decision rules as pure functions: quorum, pass threshold, tie-break, the
meaning of silence in written polls, triage. No I/O; tests call them directly.

Defaults are the Government's (DOMAIN.md): quorum two thirds of ALL members; a decision
needs MORE than half of ALL members voting for; on a tie the chair's side prevails.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from .vocab import Choice, PollKind, SilencePolicy, Stance, ThresholdBase, TieBreak


@dataclass(frozen=True)
class Rules:
    quorum: Fraction = Fraction(2, 3)
    pass_share: Fraction = Fraction(1, 2)
    pass_base: ThresholdBase = ThresholdBase.ALL_MEMBERS
    tie_break: TieBreak = TieBreak.CHAIR_SIDE
    silence: SilencePolicy = SilencePolicy.NOT_A_VOTE
    missing_position_contested: bool = False

    @classmethod
    def from_profile(cls, profile: Mapping[str, Any]) -> Rules:
        """From a body's rules columns (or a poll's frozen copy of them)."""
        return cls(
            quorum=Fraction(profile["quorum_numerator"], profile["quorum_denominator"]),
            pass_share=Fraction(profile["pass_numerator"], profile["pass_denominator"]),
            pass_base=ThresholdBase(profile["pass_base"]),
            tie_break=TieBreak(profile["tie_break"]),
            silence=SilencePolicy(profile["poll_silence"]),
            missing_position_contested=bool(profile.get("missing_position_contested", False)),
        )


def at_least(share: Fraction, total: int) -> int:
    """The smallest whole number that is at least ``share`` of ``total``."""
    product = share * total
    return product.numerator // product.denominator + (product.denominator != 1)


def more_than(share: Fraction, total: int) -> int:
    """The smallest whole number that is MORE than ``share`` of ``total``."""
    product = share * total
    return product.numerator // product.denominator + 1


def quorum_needed(rules: Rules, members: int) -> int:
    return at_least(rules.quorum, members)


def counted_present(present: Iterable[int], recused: Iterable[int], *, recused_count: bool) -> int:
    """Members present who count toward an item's quorum: those who declared a conflict
    of interest on it do not, unless the body counts them. The base ("all members")
    never shrinks: a recusal makes the quorum harder to reach, not easier."""
    seats = set(present)
    return len(seats) if recused_count else len(seats - set(recused))


def has_quorum(rules: Rules, members: int, present: int) -> bool:
    return members > 0 and present >= quorum_needed(rules, members)


@dataclass(frozen=True)
class Tally:
    for_: int = 0
    against: int = 0
    abstain: int = 0

    @property
    def cast(self) -> int:
        return self.for_ + self.against + self.abstain

    @classmethod
    def of(cls, choices: Iterable[str]) -> Tally:
        counts = {c.value: 0 for c in Choice}
        for choice in choices:
            if choice in counts:  # an option's key is counted by option_counts
                counts[choice] += 1
        return cls(counts["for"], counts["against"], counts["abstain"])


@dataclass(frozen=True)
class Outcome:
    """``rule`` names what decided, so the result can say it in words.

    A "choose one option" vote (``decide_options``) also has its ``options`` ((key,
    votes) in the question's order) and the key ``adopted``, if any; its tally counts
    only the abstentions (no "for" nor "against")."""

    passed: bool
    rule: str
    tally: Tally
    needed: int
    base: int
    silent: int = 0
    options: tuple[tuple[str, int], ...] = ()
    adopted: str | None = None

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "passed": self.passed,
            "rule": self.rule,
            "for": self.tally.for_,
            "against": self.tally.against,
            "abstain": self.tally.abstain,
            "needed": self.needed,
            "base": self.base,
            "silent": self.silent,
        }
        if self.options:
            data["options"] = dict(self.options)
            data["adopted"] = self.adopted
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Outcome:
        """From ``as_dict`` (as stored on the question and in the minutes' evidence)."""
        return cls(
            passed=bool(data["passed"]),
            rule=str(data["rule"]),
            tally=Tally(int(data["for"]), int(data["against"]), int(data["abstain"])),
            needed=int(data["needed"]),
            base=int(data["base"]),
            silent=int(data.get("silent", 0)),
            options=tuple((str(k), int(v)) for k, v in (data.get("options") or {}).items()),
            adopted=None if data.get("adopted") is None else str(data["adopted"]),
        )

    @property
    def top(self) -> int:
        """The most votes any option got (0 for a for/against vote)."""
        return max((votes for _, votes in self.options), default=0)


def _base(rules: Rules, tally: Tally, electorate: int, present: int) -> int:
    if rules.pass_base is ThresholdBase.ALL_MEMBERS:
        return electorate
    if rules.pass_base is ThresholdBase.PRESENT:
        return present
    return tally.for_ + tally.against


def decide(
    rules: Rules, tally: Tally, *, electorate: int, present: int, chair_choice: str | None
) -> Outcome:
    """The outcome of a vote whose ballots are all in."""
    base = _base(rules, tally, electorate, present)
    needed = more_than(rules.pass_share, base)
    if tally.for_ >= needed:
        return Outcome(True, "majority_for", tally, needed, base)
    if tally.for_ == tally.against and tally.for_ > 0:
        if rules.tie_break is TieBreak.CHAIR_SIDE and chair_choice == Choice.FOR.value:
            return Outcome(True, "tie_chair_for", tally, needed, base)
        if rules.tie_break is TieBreak.CHAIR_SIDE and chair_choice == Choice.AGAINST.value:
            return Outcome(False, "tie_chair_against", tally, needed, base)
        return Outcome(False, "tie_no_chair_side", tally, needed, base)
    return Outcome(False, "not_enough_for", tally, needed, base)


def decide_options(
    rules: Rules,
    counts: Sequence[tuple[str, int]],
    abstain: int,
    *,
    electorate: int,
    present: int,
    chair_choice: str | None,
    silent: int = 0,
) -> Outcome:
    """The outcome of a "choose one option" vote (docs/voting-rules.md): the option with
    the most votes is adopted if it reaches the body's threshold, on the same base and
    share as an ordinary decision (abstentions are not votes for any option; on the base
    "votes cast" the base is the votes for options). A tie for the most votes is broken
    as a tie between for and against is: the option the chair voted for prevails if it is
    one of those tied and the body breaks ties on the chair's side; otherwise none is
    adopted."""
    tally = Tally(0, 0, abstain)
    cast = sum(votes for _, votes in counts)
    base = {ThresholdBase.ALL_MEMBERS: electorate, ThresholdBase.PRESENT: present}.get(
        rules.pass_base, cast
    )
    needed = more_than(rules.pass_share, base)
    top = max((votes for _, votes in counts), default=0)
    leaders = [key for key, votes in counts if votes == top and top > 0]

    def outcome(rule: str, adopted: str | None) -> Outcome:
        return Outcome(
            adopted is not None, rule, tally, needed, base, silent, tuple(counts), adopted
        )

    if len(leaders) > 1:
        if rules.tie_break is TieBreak.CHAIR_SIDE and chair_choice in leaders:
            return outcome("option_tie_chair", chair_choice)
        return outcome("option_tie_no_chair_side", None)
    if leaders and top >= needed:
        return outcome("option_majority", leaders[0])
    return outcome("option_not_enough", None)


def option_counts(keys: Sequence[str], choices: Iterable[str]) -> tuple[list[tuple[str, int]], int]:
    """(key, votes) per option in the question's order, and the abstentions."""
    counts = dict.fromkeys(keys, 0)
    abstain = 0
    for choice in choices:
        if choice in counts:
            counts[choice] += 1
        else:
            abstain += choice == Choice.ABSTAIN.value
    return list(counts.items()), abstain


def decide_written_poll(
    rules: Rules, tally: Tally, *, electorate: int, chair_choice: str | None
) -> Outcome:
    """A written poll at its deadline: the body's silence policy says what no answer means."""
    silent = max(electorate - tally.cast, 0)
    counted = tally
    if rules.silence is SilencePolicy.AGREE:
        counted = Tally(tally.for_ + silent, tally.against, tally.abstain)
    outcome = decide(
        rules, counted, electorate=electorate, present=electorate, chair_choice=chair_choice
    )
    rule = outcome.rule + (
        "_with_silence_as_agreement" if rules.silence is SilencePolicy.AGREE and silent else ""
    )
    return Outcome(outcome.passed, rule, counted, outcome.needed, outcome.base, silent)


def chair_seat(meeting_chair: int | None, body_chairs: Iterable[int]) -> int | None:
    """Whose side breaks a tie: the meeting's chair, else the body's chair (the lowest seat
    number if the body has several), so that every reader of a vote finds the same seat."""
    if meeting_chair is not None:
        return meeting_chair
    return min(body_chairs, default=None)


def chair_choice(ballots: Iterable[tuple[int, str]], chair: int | None) -> str | None:
    """The chair's choice among (seat, choice) ballots, if the chair voted."""
    return next((choice for seat, choice in ballots if chair is not None and seat == chair), None)


def decide_vote(
    kind: str,
    rules: Rules,
    ballots: Sequence[tuple[int, str]],
    *,
    electorate: int,
    present: int,
    chair: int | None,
    options: Sequence[str] = (),
) -> Outcome:
    """The outcome of any closed vote, live or written, from its current (seat, choice)
    ballots and the chair's seat (``chair_seat``); with ``options`` (the question's option
    keys) a "choose one option" vote. No option stands for silence: in a written poll a
    member who did not answer chose none, whatever the body's silence policy."""
    side = chair_choice(ballots, chair)
    if options:
        counts, abstain = option_counts(options, (choice for _, choice in ballots))
        written = kind == PollKind.WRITTEN.value
        return decide_options(
            rules,
            counts,
            abstain,
            electorate=electorate,
            present=electorate if written else present,
            chair_choice=side,
            silent=max(electorate - len(ballots), 0) if written else 0,
        )
    tally = Tally.of(choice for _, choice in ballots)
    if kind == PollKind.WRITTEN.value:
        return decide_written_poll(rules, tally, electorate=electorate, chair_choice=side)
    return decide(rules, tally, electorate=electorate, present=present, chair_choice=side)


def settled_written_poll(
    rules: Rules, tally: Tally, *, electorate: int, chair_choice: str | None, chair_has_voted: bool
) -> Outcome | None:
    """The outcome if no remaining answer can change it, else None. O(members).

    Whatever the members who have not answered do, the final "for" and "against" counts
    are (for + u, against + v) with u, v >= 0 and u + v <= remaining: under "silence is
    not a vote" u is the late answers for; under "silence agrees" u is the late answers
    for plus those still silent at the deadline, which count for too. Abstentions move
    neither count, and the base of the threshold is fixed or for + against. So the
    reachable finals are the lattice points of a triangle, and the result is settled when
    they all pass or all fail.

    The rule is not monotone (a tie is broken by the chair's side), so each column of the
    triangle (a fixed "against") is checked where it can change: "for" > share x base is
    linear in "for", so it holds on a prefix or a suffix of the column, and the tie point
    is the one exception; both ends, their neighbours and the tie point decide the column.
    """
    remaining = max(electorate - tally.cast, 0)
    chair_options = {chair_choice} if chair_has_voted else {c.value for c in Choice}
    chair_side = rules.tie_break is TieBreak.CHAIR_SIDE
    tie_may_pass = chair_side and Choice.FOR.value in chair_options
    tie_may_fail = not chair_side or chair_options != {Choice.FOR.value}
    share_n, share_d = rules.pass_share.numerator, rules.pass_share.denominator
    cast_base = rules.pass_base is ThresholdBase.VOTES_CAST

    def majority(for_: int, against: int) -> bool:
        # for >= more_than(share, base)  <=>  for > share x base
        return share_d * for_ > share_n * (for_ + against if cast_base else electorate)

    may_pass = may_fail = False
    for against in range(tally.against, tally.against + remaining + 1):
        low, high = tally.for_, tally.for_ + remaining - (against - tally.against)
        for for_ in {low, low + 1, high - 1, high, against}:
            if not low <= for_ <= high:
                continue
            tie = for_ == against and for_ > 0
            if majority(for_, against):
                may_pass = True
            else:
                may_pass = may_pass or (tie and tie_may_pass)
                may_fail = may_fail or not tie or tie_may_fail
            if may_pass and may_fail:
                return None
    return decide_written_poll(rules, tally, electorate=electorate, chair_choice=chair_choice)


CONTESTING = frozenset({Stance.DISAGREE.value, Stance.DISCUSS.value})


def is_contested(rules: Rules, stances: Iterable[str | None]) -> bool:
    """An item is contested when anyone disagrees or wishes to discuss; a missing position
    contests it only when the body says so."""
    for stance in stances:
        if stance in CONTESTING:
            return True
        if stance is None and rules.missing_position_contested:
            return True
    return False


@dataclass(frozen=True)
class ExpectedQuorum:
    """Before the day: who said they will come, against the quorum."""

    members: int
    coming: int
    unanswered: int
    needed: int

    @property
    def met(self) -> bool:
        return self.members > 0 and self.coming >= self.needed

    @property
    def at_risk(self) -> bool:
        """Not assured by the answers given so far."""
        return not self.met


def expected_quorum(rules: Rules, members: int, coming: int, unanswered: int) -> ExpectedQuorum:
    return ExpectedQuorum(members, coming, unanswered, quorum_needed(rules, members))
