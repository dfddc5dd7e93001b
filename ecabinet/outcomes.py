"""The sentence that says which rule decided a vote, in the reader's language."""

from __future__ import annotations

from collections.abc import Callable

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
}


def describe(outcome: Outcome, gettext: Callable[..., str]) -> str:
    template = SENTENCES[outcome.rule]
    params = {
        "for": outcome.tally.for_,
        "against": outcome.tally.against,
        "abstain": outcome.tally.abstain,
        "base": outcome.base,
        "needed": outcome.needed,
        "silent": outcome.silent,
    }
    return gettext(template, **params)


def describe_english(outcome: Outcome) -> str:
    return describe(outcome, lambda message, **params: message % params)
