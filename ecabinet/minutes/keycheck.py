"""Whether a passkey that signed a ballot or the chair's approval is one the body's key
register lists for that person, valid at that time (enrolled before, not yet revoked)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .attestation_check import attestation_problem
from .register import PUBLICATION_DELAY, Credential, Register, RegisterError


def key_problem(
    keys: Register,
    *,
    person: int | None,
    membership: int | None,
    public_key: str,
    credential_id: str | None,
    at: datetime,
) -> str | None:
    """None when the key is the person's (and the seat's) at ``at``; otherwise why not."""
    try:
        entries = keys.credentials_of_key(public_key)
    except RegisterError as exc:
        return str(exc)
    if not entries:
        return "its public key is not in the member key register"
    if credential_id is not None:
        entries = [e for e in entries if e.credential_id == credential_id] or entries
    holders = [e for e in entries if person is None or e.person == person]
    if membership is not None:
        holders = [e for e in holders if membership in keys.seats.get(e.person, frozenset())]
    if not holders:
        owners = ", ".join(sorted({keys.people.get(e.person, f"#{e.person}") for e in entries}))
        return f"the register lists this key for {owners}, not for this member"
    if not any(e.valid_at(at) for e in holders):
        entry = holders[0]
        if at < entry.enrolled_at:
            return (
                f"the key was enrolled at {entry.enrolled_at.isoformat()}, after it signed "
                f"(at {at.isoformat()})"
            )
        revoked = entry.revoked_at.isoformat() if entry.revoked_at else "?"
        return f"the key was revoked at {revoked}, before it signed (at {at.isoformat()})"
    valid = [e for e in holders if e.valid_at(at)]
    return _published_late(keys, valid, at) or _attestation(keys, valid[0])


def _attestation(keys: Register, entry: Credential) -> str | None:
    roots = (
        keys.attestation_roots
        if keys.verifier_attestation_roots is None
        else keys.verifier_attestation_roots
    )
    return attestation_problem(
        entry.attestation, entry.fingerprint, roots=roots, policy=keys.attestation_policy
    )


def _published_late(keys: Register, entries: list[Credential], at: datetime) -> str | None:
    """Why the key cannot have been public when it signed: the register revision that first
    listed it came later. The first revision is the register's start and is taken as it is
    (see ``register.chain`` for what catches a register rewritten from the start)."""
    late = []
    for entry in entries:
        first = entry.published_in
        if first is None or first <= 1:
            return None
        published, stamped = keys.published_at(first)
        if published is None or published <= at + PUBLICATION_DELAY:
            return None
        late.append((first, published, stamped))
    if not late:
        return None
    first, published, stamped = late[0]
    by = "time-stamped" if stamped else "issued, by the server's clock,"
    return (
        f"the key first appeared in revision {first} of the register, {by} at "
        f"{published.isoformat(timespec='seconds')}, after it signed (at "
        f"{at.isoformat(timespec='seconds')}): a key added to the register later"
    )


def approval_key_problem(
    keys: Register, approval: dict[str, Any], at: datetime, chair_membership: int | None
) -> str | None:
    if chair_membership is None:
        return "the evidence does not name the chair of the session"
    return key_problem(
        keys,
        person=None,
        membership=chair_membership,
        public_key=str(approval["publicKey"]),
        credential_id=approval.get("credentialId"),
        at=at,
    )
