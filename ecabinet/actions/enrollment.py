"""One-time enrollment links that let a person register a passkey."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from sqlmodel import select

from .. import audit
from ..auth import passkeys
from ..auth.sessions import hash_token
from ..db import Tx
from ..errors import NotFound
from ..models import Enrollment, PasskeyCredential, Person, utcnow
from ..settings import Settings

PURPOSE = "enroll"


class EnrollmentRefused(passkeys.PasskeyRefused):
    title = "Enrollment link not valid"
    kind = "enrollment"


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


async def open_enrollment(tx: Tx, token: str) -> tuple[Enrollment, Person]:
    """The enrollment behind a link, or a refusal saying why it cannot be used."""
    enrollment = (await tx.session.exec(select(Enrollment).where(
        Enrollment.token_hash == hash_token(token)).with_for_update())).first()
    if enrollment is None:
        await passkeys.refuse(tx, EnrollmentRefused(
            "This enrollment link is not valid. Ask the secretariat for a new one."),
            subject="enrollment:unknown")
    subject = f"person:{enrollment.person_id}"
    if enrollment.used_at is not None:
        await passkeys.refuse(tx, EnrollmentRefused(
            "This enrollment link was already used. Each link registers one device; ask the "
            "secretariat for a new one."), subject=subject, enrollment=enrollment.id)
    if enrollment.expires_at < utcnow():
        await passkeys.refuse(tx, EnrollmentRefused(
            "This enrollment link has expired. Ask the secretariat for a new one."),
            subject=subject, enrollment=enrollment.id)
    person = await tx.session.get(Person, enrollment.person_id)
    assert person is not None
    return enrollment, person


async def enrollment_options(
    tx: Tx, settings: Settings, token: str, *, client: passkeys.Client,
) -> dict[str, Any]:
    await passkeys.check_rate(tx, settings, client=client, purposes=(PURPOSE,))
    enrollment, person = await open_enrollment(tx, token)
    return await passkeys.registration_options(tx, settings, person, client=client,
                                               purpose=PURPOSE, enrollment=enrollment.id)


async def finish_enrollment(
    tx: Tx, settings: Settings, token: str, credential: dict[str, Any], *, device_name: str,
) -> tuple[Person, PasskeyCredential]:
    enrollment, person = await open_enrollment(tx, token)
    row = await passkeys.register_credential(tx, settings, person, credential, purpose=PURPOSE,
                                             device_name=device_name, actor_id=None)
    enrollment.used_at = utcnow()
    tx.session.add(enrollment)
    return person, row
