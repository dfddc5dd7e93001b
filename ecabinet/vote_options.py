"""A question's options (phương án): the alternatives the Government chooses between.

A question is of one of two kinds. The classic kind offers the body's choices (for,
against, abstain). A "choose one option" question offers two to nine options, keyed
``opt1`` .. ``opt9`` in the order the secretariat gave them, each with its Vietnamese label
and, if given, its English one, and abstaining besides (không biểu quyết). A key never
changes once the vote is prepared: the ballot's choice is the key, and its signed payload
names the key with its labels, so a member signs what they were shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .errors import ValidationFailed
from .vocab import Choice

MIN_OPTIONS = 2
MAX_OPTIONS = 9
MAX_LABEL = 300
ABSTAIN = Choice.ABSTAIN.value
PREFIX = "opt"


def key_of(position: int) -> str:
    """The key of the option at ``position`` (from 1)."""
    return f"{PREFIX}{position}"


def make_options(labels: Sequence[tuple[str, str]]) -> list[dict[str, str]]:
    """The options of a question from its (label, English label) pairs, in order; none
    given: the classic kind (an empty list)."""
    given = [(" ".join(vi.split()), " ".join(en.split())) for vi, en in labels]
    given = [(vi, en) for vi, en in given if vi or en]
    if not given:
        return []
    if not MIN_OPTIONS <= len(given) <= MAX_OPTIONS:
        raise ValidationFailed(
            "A question offers from %(least)s to %(most)s options.",
            least=MIN_OPTIONS,
            most=MAX_OPTIONS,
        )
    if any(not vi for vi, _ in given):
        raise ValidationFailed("Each option needs its label in Vietnamese.")
    if any(len(vi) > MAX_LABEL or len(en) > MAX_LABEL for vi, en in given):
        raise ValidationFailed(
            "An option's label has at most %(limit)s characters.", limit=MAX_LABEL
        )
    if len({vi.casefold() for vi, _ in given}) != len(given):
        raise ValidationFailed("Two options have the same label.")
    return [
        {"key": key_of(n), "label": vi, "label_en": en} for n, (vi, en) in enumerate(given, start=1)
    ]


def keys_of(options: Sequence[Mapping[str, Any]]) -> list[str]:
    return [str(option["key"]) for option in options]


def choices(poll_options: Sequence[str], options: Sequence[Mapping[str, Any]]) -> list[str]:
    """What a ballot on the question may choose: its option keys and abstaining (where the
    body abstains at all), or, for the classic kind, the poll's options."""
    if not options:
        return list(poll_options)
    return keys_of(options) + ([ABSTAIN] if ABSTAIN in poll_options else [])


def option_of(options: Sequence[Mapping[str, Any]], key: str) -> dict[str, str] | None:
    return next((dict(option) for option in options if option["key"] == key), None)


def label_of(option: Mapping[str, Any], locale: str) -> str:
    """The label in the reader's language, the Vietnamese one when no English was given."""
    return str((locale == "en" and option.get("label_en")) or option["label"])
