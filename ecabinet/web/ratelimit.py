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
        """Count one attempt for ``key``; False when it is over the limit."""
        now = time.monotonic() if now is None else now
        hits = self._hits.pop(key, None) or deque()
        while hits and hits[0] <= now - WINDOW_SECONDS:
            hits.popleft()
        allowed = len(hits) < self.per_minute
        if allowed:
            hits.append(now)
        self._hits[key] = hits  # most recently seen last
        while len(self._hits) > MAX_KEYS:
            self._hits.popitem(last=False)
        return allowed
