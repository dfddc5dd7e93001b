"""Counting requests per client in a sliding minute, in this process's memory.

For anonymous endpoints where a database write per request would itself be the attack
(the public verification page, refusals nobody signed in caused). Each server process
counts on its own, so N processes allow up to N times the limit; the keys are bounded, so
a flood of addresses cannot grow the table without end.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque

WINDOW_SECONDS = 60.0
MAX_KEYS = 10_000


class RateLimiter:
    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()

    def allow(self, key: str, now: float | None = None) -> bool:
        """Count one attempt for ``key``; False (and not counted) when over the limit."""
        if self.exceeded(key, now):
            return False
        self.hit(key, now)
        return True

    def exceeded(self, key: str, now: float | None = None) -> bool:
        return len(self._recent(key, now)) >= self.per_minute

    def hit(self, key: str, now: float | None = None) -> None:
        self._recent(key, now).append(time.monotonic() if now is None else now)

    def _recent(self, key: str, now: float | None) -> deque[float]:
        now = time.monotonic() if now is None else now
        hits = self._hits.pop(key, None) or deque()
        while hits and hits[0] <= now - WINDOW_SECONDS:
            hits.popleft()
        self._hits[key] = hits  # most recently seen last
        while len(self._hits) > MAX_KEYS:
            self._hits.popitem(last=False)
        return hits
