"""Each person's notification preferences: channels, muted kinds, quiet hours, the daily
e-mail digest, and the reminder lead times."""

from __future__ import annotations

from typing import Any

from .. import audit
from ..auth.actor import Actor
from ..auth.permissions import ensure_signed_in
from ..db import Tx
from ..errors import ValidationFailed
from ..models import NotificationPreference, utcnow
from ..notices.schedule import parse_hhmm
from ..vocab import NoticeKind
from .notifications import preferences_of

MAX_LEADS = 4
LONGEST_LEAD_HOURS = 24 * 14


async def mine(tx: Tx, actor: Actor) -> NotificationPreference:
    ensure_signed_in(actor)
    assert actor.person_id is not None
    return (await preferences_of(tx, [actor.person_id]))[actor.person_id]


def _time(raw: Any, name: str) -> int:
    try:
        return parse_hhmm(str(raw))
    except ValueError:
        raise ValidationFailed(
            "The field %(field)s must be a time of day such as 22:00.", field=name
        ) from None


def _leads(raw: Any) -> list[int]:
    if (
        not isinstance(raw, list)
        or len(raw) > MAX_LEADS
        or not all(
            isinstance(v, int) and not isinstance(v, bool) and 0 < v <= LONGEST_LEAD_HOURS
            for v in raw
        )
    ):
        raise ValidationFailed(
            "Give at most %(count)s reminder times, each a whole number of "
            "hours between 1 and %(most)s.",
            count=MAX_LEADS,
            most=LONGEST_LEAD_HOURS,
        )
    return sorted(set(raw), reverse=True)


def _muted(raw: Any) -> list[str]:
    if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
        raise ValidationFailed("The field %(field)s must be a list of kinds.", field="muted")
    kinds = []
    for value in raw:
        try:
            kind = NoticeKind(value)
        except ValueError:
            raise ValidationFailed("There is no notification kind %(kind)s.", kind=value) from None
        if not kind.silenceable:
            raise ValidationFailed("Notices about your account's security cannot be turned off.")
        kinds.append(kind.value)
    return sorted(set(kinds))


async def update(tx: Tx, actor: Actor, changes: dict[str, Any]) -> NotificationPreference:
    """Change the fields given; the others keep their values."""
    pref = await mine(tx, actor)
    for key, attr in (("email", "email"), ("emailDigest", "email_digest"), ("push", "push")):
        if key in changes:
            if not isinstance(changes[key], bool):
                raise ValidationFailed("The field %(field)s must be true or false.", field=key)
            setattr(pref, attr, changes[key])
    if "digestHour" in changes:
        hour = changes["digestHour"]
        if not isinstance(hour, int) or isinstance(hour, bool) or not 0 <= hour < 24:
            raise ValidationFailed("The digest hour must be a whole number from 0 to 23.")
        pref.digest_hour = hour
    if "quietStart" in changes:
        pref.quiet_start = _time(changes["quietStart"], "quietStart")
    if "quietEnd" in changes:
        pref.quiet_end = _time(changes["quietEnd"], "quietEnd")
    if "muted" in changes:
        pref.muted = _muted(changes["muted"])
    if "leadHours" in changes:
        pref.lead_hours = _leads(changes["leadHours"])
    pref.updated_at = utcnow()
    tx.session.add(pref)
    await tx.session.flush()
    await audit.record(
        tx.session,
        "notifications.preferences",
        actor_id=actor.person_id,
        subject=f"person:{actor.person_id}",
        fields=sorted(changes),
    )
    return pref
