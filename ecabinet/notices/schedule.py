"""When a notification may go out: quiet hours, the daily digest, the pause after a failed
attempt, and which reminder lead time is due. Pure functions of the clock, no I/O."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

# The first retry comes after a minute, then the pause doubles up to an hour, so a channel
# that is down for a night is retried about once an hour and nothing is lost.
FIRST_PAUSE = timedelta(minutes=1)
LONGEST_PAUSE = timedelta(hours=1)
# A message still not delivered after this long is marked failed (its error is kept).
GIVE_UP_AFTER = timedelta(days=2)


def retry_pause(attempts: int) -> timedelta:
    """The pause after the ``attempts``-th failed attempt."""
    pause: timedelta = FIRST_PAUSE * 2 ** min(max(attempts - 1, 0), 16)
    return min(pause, LONGEST_PAUSE)


def _minutes(at: datetime) -> int:
    return at.hour * 60 + at.minute


def quiet_until(now: datetime, zone: ZoneInfo, start: int, end: int) -> datetime | None:
    """The end of the quiet hours when ``now`` falls inside them, else None.

    ``start`` and ``end`` are local minutes after midnight; a span may cross midnight
    (22:00–06:30); equal values mean no quiet hours.
    """
    if start == end:
        return None
    local = now.astimezone(zone)
    minute = _minutes(local)
    inside = start <= minute < end if start < end else minute >= start or minute < end
    if not inside:
        return None
    day = local.date() if minute < end else local.date() + timedelta(days=1)
    wake = datetime.combine(day, time(end // 60, end % 60), tzinfo=zone)
    return wake.astimezone(now.tzinfo)


def digest_time(created: datetime, zone: ZoneInfo, hour: int) -> datetime:
    """When the daily digest that takes a message created at ``created`` goes out: the
    next ``hour`` o'clock (local) after it."""
    local = created.astimezone(zone)
    at = datetime.combine(local.date(), time(hour % 24), tzinfo=zone)
    if at <= local:
        at = datetime.combine(local.date() + timedelta(days=1), time(hour % 24), tzinfo=zone)
    return at.astimezone(created.tzinfo)


def due_lead(now: datetime, deadline: datetime, leads: Iterable[int]) -> int | None:
    """The reminder lead time (hours) due now: the smallest lead that the time left is
    within, so a late sweep sends one reminder, not every missed one."""
    if deadline <= now:
        return None
    left = deadline - now
    fitting = [lead for lead in leads if lead > 0 and left <= timedelta(hours=lead)]
    return min(fitting) if fitting else None


def parse_hhmm(raw: str) -> int:
    """ "22:30" → 1350 local minutes after midnight."""
    hours, _, minutes = raw.strip().partition(":")
    value = int(hours) * 60 + int(minutes or 0)
    if not 0 <= int(hours) < 24 or not 0 <= int(minutes or 0) < 60:
        raise ValueError(raw)
    return value


def format_hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
