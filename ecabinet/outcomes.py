"""The sentence that says which rule decided a vote, in the reader's language."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from .rules import Outcome

SENTENCES: dict[str, str] = {
    "majority_for": "Adopted: %(for)s of %(base)s voted for, and %(needed)s were needed "
    "(more than half).",
    "not_enough_for": "Not adopted: %(for)s of %(base)s voted for, and %(needed)s were needed "
    "(more than half).",
    "tie_chair_for": "Adopted on a tie (%(for)s for, %(against)s against): the side the chair "
    "voted for prevails.",
    "tie_chair_against": "Not adopted on a tie (%(for)s for, %(against)s against): the side "
    "the chair voted for prevails.",
    "tie_no_chair_side": "Not adopted: a tie (%(for)s for, %(against)s against) and no chair's "
    "side to break it.",
    "majority_for_with_silence_as_agreement": "Adopted: %(for)s of %(base)s counted for, "
    "including %(silent)s who did not answer (no "
    "answer counts as agreement); %(needed)s were "
    "needed.",
    "not_enough_for_with_silence_as_agreement": "Not adopted: %(for)s of %(base)s counted for, "
    "including %(silent)s who did not answer; "
    "%(needed)s were needed.",
    "tie_chair_for_with_silence_as_agreement": "Adopted on a tie, counting no answer as "
    "agreement: the side the chair voted for "
    "prevails.",
    "tie_chair_against_with_silence_as_agreement": "Not adopted on a tie, counting no answer "
    "as agreement: the side the chair voted "
    "for prevails.",
    "tie_no_chair_side_with_silence_as_agreement": "Not adopted: a tie, counting no answer as "
    "agreement, and no chair's side to break it.",
    # A "choose one option" vote (rules.decide_options).
    "option_majority": "Adopted: %(option)s, with %(votes)s of %(base)s votes; %(needed)s were "
    "needed.",
    "option_not_enough": "No option adopted: the most votes any option got, %(votes)s of "
    "%(base)s, are fewer than the %(needed)s needed.",
    "option_tie_chair": "Adopted on a tie (%(tied)s, %(votes)s votes each): %(option)s, the "
    "option the chair voted for, prevails.",
    "option_tie_no_chair_side": "No option adopted: a tie (%(tied)s, %(votes)s votes each) and "
    "no chair's side to break it.",
}


def describe(
    outcome: Outcome, gettext: Callable[..., str], labels: Mapping[str, str] | None = None
) -> str:
    """``labels`` name an option vote's options by key (in the reader's language)."""
    template = SENTENCES[outcome.rule]
    named = labels or {}
    top = outcome.top
    params: dict[str, object] = {
        "for": outcome.tally.for_,
        "against": outcome.tally.against,
        "abstain": outcome.tally.abstain,
        "base": outcome.base,
        "needed": outcome.needed,
        "silent": outcome.silent,
        "option": named.get(outcome.adopted or "", outcome.adopted or ""),
        "votes": top,
        "tied": "; ".join(named.get(k, k) for k, votes in outcome.options if votes == top),
    }
    return gettext(template, **params)
