"""The decision rules of DOMAIN.md, as pure functions."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from ecabinet.rules import (
    Rules,
    Tally,
    decide,
    decide_written_poll,
    has_quorum,
    is_contested,
    more_than,
    quorum_needed,
    settled_written_poll,
)
from ecabinet.vocab import SilencePolicy, ThresholdBase, TieBreak

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
    assert settled_written_poll(GOVERNMENT, Tally(14, 0, 0), electorate=27, chair_choice=None,
                                chair_has_voted=False).passed  # type: ignore[union-attr]
    assert settled_written_poll(GOVERNMENT, Tally(13, 0, 0), electorate=27, chair_choice=None,
                                chair_has_voted=False) is None
    rejected = settled_written_poll(GOVERNMENT, Tally(0, 14, 0), electorate=27,
                                    chair_choice=None, chair_has_voted=False)
    assert rejected is not None and not rejected.passed


@given(st.integers(0, 27), st.integers(0, 27), st.integers(0, 27),
       st.sampled_from(["for", "against", "abstain", None]))
def test_settled_outcome_never_disagrees_with_the_final_one(
    for_: int, against: int, abstain: int, chair: str | None
) -> None:
    if for_ + against + abstain > 27:
        return
    tally = Tally(for_, against, abstain)
    early = settled_written_poll(GOVERNMENT, tally, electorate=27, chair_choice=chair,
                                 chair_has_voted=chair is not None)
    if early is None:
        return
    # Whatever the silent members do, the final result is the early one.
    remaining = 27 - tally.cast
    for final in (Tally(for_ + remaining, against, abstain), Tally(for_, against + remaining,
                                                                   abstain)):
        assert decide_written_poll(GOVERNMENT, final, electorate=27,
                                   chair_choice=chair).passed == early.passed


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
