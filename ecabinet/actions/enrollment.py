"""One-time enrollment links that let a person register a passkey."""

from __future__ import annotations

import secrets
from datetime import timedelta

from .. import audit
from ..auth.sessions import hash_token
from ..db import Tx
from ..errors import NotFound
from ..models import Enrollment, Person, utcnow
from ..settings import Settings


async def issue_enrollment(
    tx: Tx, settings: Settings, *, actor_id: int | None, person_id: int,
) -> str:
    """Create a link for the person and return its URL. Only the token's hash is stored."""
    person = await tx.session.get(Person, person_id)
    if person is None:
        raise NotFound("There is no person with the number %(id)s.", id=person_id)
    token = secrets.token_urlsafe(32)
    expires = utcnow() + timedelta(hours=settings.enrollment_valid_hours)
    tx.session.add(Enrollment(person_id=person_id, token_hash=hash_token(token),
                              created_by_id=actor_id, expires_at=expires))
    await tx.session.flush()
    await audit.record(tx.session, "enrollment.issued", actor_id=actor_id,
                       subject=f"person:{person_id}", expires_at=expires.isoformat())
    return f"{settings.origin}/enroll/{token}"
