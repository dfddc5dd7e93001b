"""The decision rules of DOMAIN.md, as pure functions."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import example, given, settings
from hypothesis import strategies as st

from ecabinet.rules import (
    Outcome,
    Rules,
    Tally,
    counted_present,
    decide,
    decide_options,
    decide_vote,
    decide_written_poll,
    has_quorum,
    is_contested,
    more_than,
    quorum_needed,
    settled_written_poll,
)
from ecabinet.vocab import SilencePolicy, ThresholdBase, TieBreak

from .support.rules import settled_by_trying_everything

GOVERNMENT = Rules()


def test_government_quorum_is_two_thirds_of_all_members() -> None:
    assert quorum_needed(GOVERNMENT, 27) == 18
    assert not has_quorum(GOVERNMENT, 27, 17)
    assert has_quorum(GOVERNMENT, 27, 18)
    assert quorum_needed(GOVERNMENT, 26) == 18  # 17.33 rounds up


def test_government_pass_needs_more_than_half_of_all_members() -> None:
    assert more_than(Fraction(1, 2), 27) == 14
    assert more_than(Fraction(1, 2), 26) == 14
    passed = decide(GOVERNMENT, Tally(14, 3, 1), electorate=27, present=18, chair_choice="for")
    assert passed.passed and passed.rule == "majority_for"
    # 13 of 18 present is a majority of those present but not of ALL members.
    failed = decide(GOVERNMENT, Tally(13, 4, 1), electorate=27, present=18, chair_choice="for")
    assert not failed.passed and failed.rule == "not_enough_for" and failed.needed == 14


def test_tie_goes_to_the_chairs_side() -> None:
    tally = Tally(10, 10, 0)
    chair_for = decide(GOVERNMENT, tally, electorate=27, present=20, chair_choice="for")
    chair_against = decide(GOVERNMENT, tally, electorate=27, present=20, chair_choice="against")
    chair_silent = decide(GOVERNMENT, tally, electorate=27, present=20, chair_choice=None)
    assert (chair_for.passed, chair_for.rule) == (True, "tie_chair_for")
    assert (chair_against.passed, chair_against.rule) == (False, "tie_chair_against")
    assert (chair_silent.passed, chair_silent.rule) == (False, "tie_no_chair_side")
    strict = Rules(tie_break=TieBreak.FAILS)
    assert not decide(strict, tally, electorate=27, present=20, chair_choice="for").passed


def test_threshold_of_those_present_when_the_body_says_so() -> None:
    board = Rules(pass_base=ThresholdBase.PRESENT)
    assert decide(board, Tally(10, 8, 0), electorate=27, present=18, chair_choice=None).passed


def test_written_poll_silence_policies() -> None:
    tally = Tally(for_=10, against=3, abstain=0)
    silent_is_nothing = decide_written_poll(GOVERNMENT, tally, electorate=27, chair_choice="for")
    assert not silent_is_nothing.passed and silent_is_nothing.silent == 14
    province = Rules(silence=SilencePolicy.AGREE)
    silent_agrees = decide_written_poll(province, tally, electorate=27, chair_choice="for")
    assert silent_agrees.passed
    assert silent_agrees.rule == "majority_for_with_silence_as_agreement"


def test_written_poll_settles_early_only_when_nothing_can_change_it() -> None:
    assert settled_written_poll(
        GOVERNMENT, Tally(14, 0, 0), electorate=27, chair_choice=None, chair_has_voted=False
    ).passed  # type: ignore[union-attr]
    assert (
        settled_written_poll(
            GOVERNMENT, Tally(13, 0, 0), electorate=27, chair_choice=None, chair_has_voted=False
        )
        is None
    )
    rejected = settled_written_poll(
        GOVERNMENT, Tally(0, 14, 0), electorate=27, chair_choice=None, chair_has_voted=False
    )
    assert rejected is not None and not rejected.passed


@given(
    st.integers(0, 27),
    st.integers(0, 27),
    st.integers(0, 27),
    st.sampled_from(["for", "against", "abstain", None]),
)
def test_settled_outcome_never_disagrees_with_the_final_one(
    for_: int, against: int, abstain: int, chair: str | None
) -> None:
    if for_ + against + abstain > 27:
        return
    tally = Tally(for_, against, abstain)
    early = settled_written_poll(
        GOVERNMENT, tally, electorate=27, chair_choice=chair, chair_has_voted=chair is not None
    )
    if early is None:
        return
    # Whatever the silent members do, the final result is the early one.
    remaining = 27 - tally.cast
    for final in (
        Tally(for_ + remaining, against, abstain),
        Tally(for_, against + remaining, abstain),
    ):
        assert (
            decide_written_poll(GOVERNMENT, final, electorate=27, chair_choice=chair).passed
            == early.passed
        )


@st.composite
def bodies(draw: st.DrawFn) -> Rules:
    """Any rules a body may set (DOMAIN.md): quorum, share and base of the threshold (a
    share of 1 or more included), tie-break and the meaning of silence."""
    denominator = draw(st.integers(1, 6))
    quorum_denominator = draw(st.integers(1, 4))
    return Rules(
        quorum=Fraction(draw(st.integers(0, quorum_denominator)), quorum_denominator),
        pass_share=Fraction(draw(st.integers(0, denominator + 1)), denominator),
        pass_base=draw(st.sampled_from(ThresholdBase)),
        tie_break=draw(st.sampled_from(TieBreak)),
        silence=draw(st.sampled_from(SilencePolicy)),
    )


@st.composite
def polls(draw: st.DrawFn) -> tuple[int, Tally]:
    """A body of up to 30 members and the answers so far (ties and abstentions included;
    a few more answers than members, which the rule must bear too)."""
    electorate = draw(st.integers(0, 30))
    for_ = draw(st.integers(0, electorate + 1))
    against = draw(st.one_of(st.just(for_), st.integers(0, electorate + 1 - min(for_, electorate))))
    abstain = draw(st.integers(0, max(electorate + 2 - for_ - against, 0)))
    return electorate, Tally(for_, against, abstain)


@settings(max_examples=1500, deadline=None)
@given(bodies(), polls(), st.sampled_from(["for", "against", "abstain", None]), st.booleans())
@example(Rules(), (4, Tally(2, 2, 0)), "for", True)  # a tie the chair's side carries
@example(Rules(), (4, Tally(2, 2, 0)), "against", True)
@example(Rules(), (5, Tally(2, 2, 0)), "for", True)  # one silent member could break it
@example(Rules(pass_base=ThresholdBase.VOTES_CAST), (6, Tally(2, 1, 0)), "for", True)
@example(Rules(silence=SilencePolicy.AGREE), (27, Tally(3, 13, 0)), None, False)
@example(Rules(tie_break=TieBreak.FAILS), (27, Tally(13, 13, 0)), "for", True)
def test_the_linear_settle_decides_as_trying_everything_did(
    rules: Rules, poll: tuple[int, Tally], chair: str | None, chair_has_voted: bool
) -> None:
    electorate, tally = poll
    choice = chair if chair_has_voted else None
    assert settled_written_poll(
        rules, tally, electorate=electorate, chair_choice=choice, chair_has_voted=chair_has_voted
    ) == settled_by_trying_everything(
        rules, tally, electorate=electorate, chair_choice=choice, chair_has_voted=chair_has_voted
    )


@given(st.integers(1, 60), st.integers(0, 60))
def test_quorum_is_the_smallest_count_reaching_two_thirds(members: int, present: int) -> None:
    needed = quorum_needed(GOVERNMENT, members)
    assert 3 * needed >= 2 * members > 3 * (needed - 1)
    assert has_quorum(GOVERNMENT, members, present) == (present >= needed)


def test_triage() -> None:
    assert not is_contested(GOVERNMENT, ["agree", "agree_with_comments", None])
    assert is_contested(GOVERNMENT, ["agree", "disagree"])
    assert is_contested(GOVERNMENT, ["discuss"])
    assert is_contested(Rules(missing_position_contested=True), ["agree", None])


def test_a_recused_member_counts_toward_the_items_quorum_only_where_the_body_says() -> None:
    present, recused = [1, 2, 3, 4], [3, 9]  # 9 declared a conflict but is not present
    assert counted_present(present, recused, recused_count=False) == 3
    assert counted_present(present, recused, recused_count=True) == 4
    # The base stays all members: two thirds of 27 is 18, whoever recused.
    assert quorum_needed(Rules(), 27) == 18


# --- a "choose one option" vote (phương án) -----------------------------------------------


def options(*votes: int) -> list[tuple[str, int]]:
    return [(f"opt{n}", v) for n, v in enumerate(votes, start=1)]


def test_the_option_with_the_most_votes_is_adopted_if_it_reaches_the_threshold() -> None:
    adopted = decide_options(
        GOVERNMENT, options(14, 8, 3), 1, electorate=27, present=26, chair_choice="opt2"
    )
    assert (adopted.adopted, adopted.rule, adopted.needed, adopted.base) == (
        "opt1",
        "option_majority",
        14,
        27,
    )
    assert adopted.passed and adopted.as_dict()["options"] == {"opt1": 14, "opt2": 8, "opt3": 3}
    # The most votes, 13 of 27, but not more than half of all members: none is adopted.
    short = decide_options(
        GOVERNMENT, options(13, 9, 4), 1, electorate=27, present=27, chair_choice="opt1"
    )
    assert (short.passed, short.adopted, short.rule) == (False, None, "option_not_enough")
    # A body whose threshold is of those present.
    present = Rules(pass_base=ThresholdBase.PRESENT)
    assert decide_options(
        present, options(10, 5, 3), 0, electorate=27, present=18, chair_choice=None
    ).adopted == ("opt1")


def test_a_tie_for_first_place_goes_to_the_chairs_option_as_a_tie_for_and_against_does() -> None:
    def tie(rules: Rules, chair: str | None) -> tuple[str | None, str]:
        outcome = decide_options(
            rules, options(10, 10, 5), 2, electorate=27, present=27, chair_choice=chair
        )
        return outcome.adopted, outcome.rule

    assert tie(GOVERNMENT, "opt2") == ("opt2", "option_tie_chair")
    assert tie(GOVERNMENT, "opt3") == (None, "option_tie_no_chair_side")  # not among the tied
    assert tie(GOVERNMENT, "abstain") == (None, "option_tie_no_chair_side")
    assert tie(GOVERNMENT, None) == (None, "option_tie_no_chair_side")
    assert tie(Rules(tie_break=TieBreak.FAILS), "opt1") == (None, "option_tie_no_chair_side")


def test_no_votes_adopt_no_option_and_silence_never_chooses_one() -> None:
    nothing = decide_options(
        GOVERNMENT, options(0, 0), 3, electorate=5, present=5, chair_choice=None
    )
    assert (nothing.adopted, nothing.rule) == (None, "option_not_enough")
    agreeing = Rules(silence=SilencePolicy.AGREE)
    written = decide_vote(
        "written",
        agreeing,
        [(1, "opt1")],
        electorate=3,
        present=3,
        chair=None,
        options=["opt1", "opt2"],
    )
    assert (written.adopted, written.silent, written.needed) == (None, 2, 2)


def reference(
    rules: Rules, counts: list[tuple[str, int]], *, electorate: int, present: int, chair: str | None
) -> str | None:
    """The rule of docs/voting-rules.md read literally, to check decide_options against."""
    ranked = sorted((votes for _, votes in counts), reverse=True)
    if not ranked or ranked[0] == 0:
        return None
    best = [key for key, votes in counts if votes == ranked[0]]
    if len(best) > 1:
        return chair if rules.tie_break is TieBreak.CHAIR_SIDE and chair in best else None
    base = {
        ThresholdBase.ALL_MEMBERS: electorate,
        ThresholdBase.PRESENT: present,
        ThresholdBase.VOTES_CAST: sum(ranked),
    }[rules.pass_base]
    return best[0] if ranked[0] > rules.pass_share * base else None


@st.composite
def option_votes(draw: st.DrawFn) -> tuple[list[tuple[str, int]], int, int, int]:
    """Two to nine options with their votes, the abstentions, and those present and
    entitled (at least as many as voted; ties are drawn often)."""
    n = draw(st.integers(2, 9))
    pool = draw(st.lists(st.integers(0, 8), min_size=1, max_size=3))
    votes = [draw(st.sampled_from(pool)) for _ in range(n)]
    abstain = draw(st.integers(0, 5))
    present = sum(votes) + abstain + draw(st.integers(0, 5))
    return options(*votes), abstain, present, present + draw(st.integers(0, 10))


@settings(max_examples=400, deadline=None)
@given(
    bodies(),
    option_votes(),
    st.one_of(st.none(), st.sampled_from(["abstain", *(f"opt{n}" for n in range(1, 10))])),
)
def test_an_option_vote_decides_as_the_rule_reads(
    rules: Rules, vote: tuple[list[tuple[str, int]], int, int, int], chair: str | None
) -> None:
    counts, abstain, present, electorate = vote
    outcome = decide_options(
        rules, counts, abstain, electorate=electorate, present=present, chair_choice=chair
    )
    assert outcome.adopted == reference(
        rules, counts, electorate=electorate, present=present, chair=chair
    )
    assert outcome.passed == (outcome.adopted is not None)
    assert outcome.tally.abstain == abstain and dict(outcome.options) == dict(counts)
    # The order the options are listed in decides nothing.
    flipped = decide_options(
        rules, counts[::-1], abstain, electorate=electorate, present=present, chair_choice=chair
    )
    assert flipped.adopted == outcome.adopted
    assert Outcome.from_dict(outcome.as_dict()) == outcome


@settings(max_examples=400, deadline=None)
@given(
    bodies(),
    st.integers(0, 12),
    st.integers(0, 12),
    st.integers(0, 4),
    st.integers(0, 6),
    st.sampled_from(["for", "against", "abstain", None]),
)
def test_two_options_decide_as_for_and_against_do(
    rules: Rules, first: int, second: int, abstain: int, more: int, chair: str | None
) -> None:
    """With a threshold of at least half, the first of two options is adopted exactly when
    "for" would pass with as many votes for as it has and against as the second has."""
    if rules.pass_share < Fraction(1, 2):
        return
    present = first + second + abstain + more
    side = {"for": "opt1", "against": "opt2"}.get(chair or "", chair)
    by_options = decide_options(
        rules,
        options(first, second),
        abstain,
        electorate=present + 1,
        present=present,
        chair_choice=side,
    )
    classic = decide(
        rules,
        Tally(first, second, abstain),
        electorate=present + 1,
        present=present,
        chair_choice=chair,
    )
    assert (by_options.adopted == "opt1") == classic.passed
