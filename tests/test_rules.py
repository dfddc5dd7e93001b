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
    decide_written_poll,
    has_quorum,
    is_contested,
    more_than,
    quorum_needed,
    settled_written_poll,
)
from ecabinet.vocab import Choice, SilencePolicy, ThresholdBase, TieBreak

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


def settled_by_trying_everything(
    rules: Rules, tally: Tally, *, electorate: int, chair_choice: str | None, chair_has_voted: bool
) -> Outcome | None:
    """The former rule, kept as the reference: every way the members who have not
    answered could still answer, with every answer the chair could still give (cubic)."""
    remaining = max(electorate - tally.cast, 0)
    chair_options = [chair_choice] if chair_has_voted else [c.value for c in Choice]
    results: set[bool] = set()
    for extra_for in range(remaining + 1):
        for extra_against in range(remaining - extra_for + 1):
            for extra_abstain in range(remaining - extra_for - extra_against + 1):
                final = Tally(
                    tally.for_ + extra_for,
                    tally.against + extra_against,
                    tally.abstain + extra_abstain,
                )
                for chair in chair_options:
                    results.add(
                        decide_written_poll(
                            rules, final, electorate=electorate, chair_choice=chair
                        ).passed
                    )
                if len(results) > 1:
                    return None
    return decide_written_poll(rules, tally, electorate=electorate, chair_choice=chair_choice)


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
