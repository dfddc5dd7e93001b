"""Deciding whether a written poll is settled, run after every ballot: the former rule
(every way the silent members could still answer: cubic in members) against the linear
one in ecabinet/rules.py, on the same ballots in one run.

Bodies of 27, 120, 238 and 500 members under the Government's rules answer a poll one
ballot at a time (seeded; the chair answers first) until the result cannot change, in two
mixes: "split" (55% for, 30% against, 15% abstain: settled near the end) and "landslide"
(90% for: settled with nearly half the members still silent, the former rule's worst).
The new rule is timed after every ballot; the former one after a sample of ballots
through the poll (a fifth, two fifths... and the ballot that settles it), since it takes
seconds per ballot in large bodies, and is stopped after --old-limit seconds a ballot
(the mean is then a lower bound, marked >=). New times are the best of three runs; both
rules must agree wherever the former one finished.

    python bench/bench_settle.py [--sizes 27,120,238,500] [--samples 5] [--old-limit 20]
"""

from __future__ import annotations

import argparse
import platform
import random
import signal
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ecabinet.rules import (  # noqa: E402
    Outcome,
    Rules,
    Tally,
    settled_written_poll,
)
from tests.support.rules import settled_by_trying_everything  # noqa: E402

Settle = Callable[..., Outcome | None]
GOVERNMENT = Rules()


MIXES = {"split": (55, 30, 15), "landslide": (90, 5, 5)}


def ballots(members: int, seed: int, mix: tuple[int, int, int]) -> list[Tally]:
    """The tally after each ballot, up to the one after which the result cannot change."""
    rng = random.Random(seed * 1000 + members)
    counts = {"for": 1, "against": 0, "abstain": 0}  # the chair's
    tallies = [Tally(1, 0, 0)]
    for _ in range(members - 1):
        counts[rng.choices(["for", "against", "abstain"], weights=mix)[0]] += 1
        tally = Tally(counts["for"], counts["against"], counts["abstain"])
        tallies.append(tally)
        if (
            settled_written_poll(
                GOVERNMENT, tally, electorate=members, chair_choice="for", chair_has_voted=True
            )
            is not None
        ):
            break
    return tallies


def timed(
    settle: Settle, tally: Tally, members: int, runs: int = 3
) -> tuple[float, Outcome | None]:
    best, outcome = float("inf"), None
    for _ in range(runs):
        start = time.perf_counter()
        outcome = settle(
            GOVERNMENT, tally, electorate=members, chair_choice="for", chair_has_voted=True
        )
        best = min(best, time.perf_counter() - start)
    return best, outcome


class TooLong(Exception):
    pass


def timed_with_limit(
    settle: Settle, tally: Tally, members: int, limit: float
) -> tuple[float, Outcome | None, bool]:
    """One run, stopped after ``limit`` seconds: (seconds, outcome, finished)."""

    def stop(_signum: int, _frame: object) -> None:
        raise TooLong

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, limit)
    start = time.perf_counter()
    try:
        outcome = settle(
            GOVERNMENT, tally, electorate=members, chair_choice="for", chair_has_voted=True
        )
        return time.perf_counter() - start, outcome, True
    except TooLong:
        return time.perf_counter() - start, None, False
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def sample(count: int, samples: int) -> list[int]:
    return sorted({max(count * k // samples - 1, 0) for k in range(1, samples + 1)})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="27,120,238,500")
    parser.add_argument("--samples", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--old-limit", type=float, default=20.0)
    args = parser.parse_args()
    print(
        f"# {platform.python_implementation()} {platform.python_version()}, "
        f"{platform.machine()}; Government rules, the chair answered 'for'"
    )
    print(
        f"# per ballot: new on every ballot, old on {args.samples} ballots sampled through the poll"
    )
    print(
        f"{'mix':>9} {'members':>7} {'ballots':>7} | {'new mean':>10} {'new max':>10} | "
        f"{'old mean':>12} {'old max':>12} | {'old/new mean':>12}"
    )
    for mix, members in ((m, int(n)) for m in MIXES for n in args.sizes.split(",")):
        tallies = ballots(members, args.seed, MIXES[mix])
        new = [timed(settled_written_poll, t, members) for t in tallies]
        old_at = sample(len(tallies), args.samples)
        old = [
            timed_with_limit(settled_by_trying_everything, tallies[i], members, args.old_limit)
            for i in old_at
        ]
        for i, (_, outcome, finished) in zip(old_at, old, strict=True):
            assert not finished or outcome == new[i][1], (
                f"the rules disagree at ballot {i + 1} of {members}"
            )
        new_s = [s for s, _ in new]
        old_s = [s for s, _, _ in old]
        bound = "" if all(f for _, _, f in old) else ">="
        new_mean, old_mean = statistics.mean(new_s), statistics.mean(old_s)
        print(
            f"{mix:>9} {members:>7} {len(tallies):>7} | {ms(new_mean)} {ms(max(new_s))} | "
            f"{bound:>2}{ms(old_mean)} {bound:>2}{ms(max(old_s))} | "
            f"{bound:>2}{old_mean / new_mean:>9.0f}x",
            flush=True,
        )


def ms(seconds: float) -> str:
    return f"{seconds * 1000:>8.3f}ms"


if __name__ == "__main__":
    main()
