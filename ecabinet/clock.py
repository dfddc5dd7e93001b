"""The one clock. Every "now" of the domain (deadlines, quorum windows, audit times, the
sweeper) is ``models.utcnow()``, which reads this; a test moves time with ``moved`` or
``frozen_at`` instead of rewriting rows or sleeping. Servers never change it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime, timedelta


def system_time() -> datetime:
    return datetime.now(UTC)


_source: Callable[[], datetime] = system_time


def now() -> datetime:
    return _source()


@contextmanager
def running(source: Callable[[], datetime]) -> Iterator[None]:
    """Read the time from ``source`` inside the block."""
    global _source
    before, _source = _source, source
    try:
        yield
    finally:
        _source = before


def moved(by: timedelta) -> AbstractContextManager[None]:
    """The clock runs on, ``by`` ahead of (or behind) the system's."""
    return running(lambda: system_time() + by)


def frozen_at(moment: datetime) -> AbstractContextManager[None]:
    """The clock stands still at ``moment``."""
    return running(lambda: moment)
