"""The reference for the written-poll settle rule in ecabinet/rules.py: the former rule,
which tries every way the silent members could still answer. The property tests hold the
linear rule to it and bench/bench_settle.py times the two."""

from __future__ import annotations

from ecabinet.rules import Outcome, Rules, Tally, decide_written_poll
from ecabinet.vocab import Choice


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
