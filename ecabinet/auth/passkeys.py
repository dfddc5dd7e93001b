"""Passkeys (WebAuthn) through py_webauthn: challenges, registration and assertions.

Every check has its own refusal with a message a person can act on and an audit event.
Challenges live on the server, are single use and expire; the origin and RP ID come from
settings; user verification is required on every verification.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, NoReturn

from cryptography.hazmat.primitives import serialization
from sqlalchemy import and_, bindparam, insert, update
from sqlmodel import col, func, select
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url, parse_client_data_json
from webauthn.helpers.cose import COSEAlgorithmIdentifier
from webauthn.helpers.decode_credential_public_key import decode_credential_public_key
from webauthn.helpers.decoded_public_key_to_cryptography import (
    decoded_public_key_to_cryptography,
)
from webauthn.helpers.exceptions import (
    InvalidAuthenticationResponse,
    InvalidJSONStructure,
    InvalidRegistrationResponse,
)
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from .. import audit
from ..ballots import client_data
from ..db import Tx
from ..errors import BadRequest, EcabinetError, Forbidden, TooManyRequests
from ..models import (
    Body,
    Membership,
    PasskeyCredential,
    PasskeyQuarantine,
    Person,
    WebAuthnChallenge,
    utcnow,
)
from ..settings import Settings
from . import attestation, quarantine
from .login_ends import end_logins_of_credential

SUPPORTED_ALGORITHMS = [
    COSEAlgorithmIdentifier.EDDSA,
    COSEAlgorithmIdentifier.ECDSA_SHA_256,
    COSEAlgorithmIdentifier.RSASSA_PKCS1_v1_5_SHA_256,  # older Windows Hello
]


class PasskeyRefused(Forbidden):
    title = "Passkey not accepted"
    kind = "passkey"


class UserNotVerified(PasskeyRefused):
    kind = "user-not-verified"


class ChallengeRefused(PasskeyRefused):
    kind = "challenge"


class CredentialRefused(PasskeyRefused):
    kind = "credential"


class ClientDataRefused(PasskeyRefused):
    kind = "client-data"


@dataclass(frozen=True)
class Client:
    """Where a request came from, for rate limits and the audit log."""

    address: str
    user_agent: str = ""


# --- refusals -------------------------------------------------------------------------


async def refuse(
    tx: Tx, error: EcabinetError, *, actor_id: int | None = None, subject: str = "", **data: Any
) -> NoReturn:
    """The older spelling of :meth:`Tx.refuse`, kept while callers move over to it."""
    await tx.refuse(error, actor_id=actor_id, subject=subject, **data)


def _explain(exc: Exception) -> EcabinetError:
    """Translate py_webauthn's findings into refusals a minister understands."""
    text = str(exc)
    if "User verification" in text:
        return UserNotVerified(
            "Your fingerprint or face could not be verified. Try again and touch the sensor "
            "or look at the camera when asked."
        )
    if "challenge" in text:
        return ChallengeRefused(
            "This passkey answer was made for another request. Try again from the start."
        )
    if "origin" in text:
        return PasskeyRefused(
            "This passkey answer came from another web address (%(why)s).", why=text
        )
    if "RP ID" in text:
        return PasskeyRefused("This passkey belongs to another site.")
    if "signature" in text.lower():
        return CredentialRefused("The passkey's signature is not valid.")
    return PasskeyRefused("The passkey answer could not be verified: %(why)s.", why=text)


# --- challenges -----------------------------------------------------------------------


async def issue_challenge(
    tx: Tx,
    settings: Settings,
    *,
    purpose: str,
    client: Client,
    person_id: int | None = None,
    challenge: bytes | None = None,
    **context: Any,
) -> bytes:
    value = challenge if challenge is not None else secrets.token_bytes(32)
    now = utcnow()
    connection = await tx.session.connection()
    await connection.execute(
        _INSERT_CHALLENGE,
        {
            "challenge": bytes_to_base64url(value),
            "purpose": purpose,
            "person_id": person_id,
            "context": {"client": client.address, **context},
            "created_at": now,
            "expires_at": now + timedelta(seconds=settings.challenge_valid_seconds),
            "used_at": None,
        },
    )
    return value


# Built once: every passkey request stores its challenge (the values come with it).
_INSERT_CHALLENGE = insert(WebAuthnChallenge)


async def check_rate(
    tx: Tx, settings: Settings, *, client: Client, purposes: tuple[str, ...]
) -> None:
    """Count the challenges this client asked for in the last minute. The challenges live in
    the database, so the limit holds across all server processes."""
    since = utcnow() - timedelta(minutes=1)
    recent = (
        await tx.session.exec(
            select(func.count())
            .select_from(WebAuthnChallenge)
            .where(
                col(WebAuthnChallenge.purpose).in_(purposes),
                col(WebAuthnChallenge.created_at) > since,
                col(WebAuthnChallenge.context)["client"].as_string() == client.address,
            )
        )
    ).one()
    if recent >= settings.signin_attempts_per_minute:
        await refuse(
            tx,
            TooManyRequests(
                "Too many sign-in attempts from this device. Wait a minute and try again."
            ),
            subject="client:" + client.address,
            purposes=list(purposes),
        )


async def consume_challenge(tx: Tx, challenge: bytes, *, purpose: str) -> WebAuthnChallenge:
    """Mark the challenge used, or refuse: unknown, for another purpose, used, or expired."""
    row = await take_challenge(tx, challenge, purpose=purpose)
    if row is None:
        await refuse_challenge(tx, challenge, purpose=purpose)
    return row


# Built once: every passkey answer takes its challenge with it.
_TAKE_CHALLENGE = (
    update(WebAuthnChallenge)
    .where(
        col(WebAuthnChallenge.challenge) == bindparam("encoded"),
        col(WebAuthnChallenge.purpose) == bindparam("for_purpose"),
        col(WebAuthnChallenge.used_at).is_(None),
    )
    .values(used_at=bindparam("used_now"))
    .returning(WebAuthnChallenge)
)


async def take_challenge(tx: Tx, challenge: bytes, *, purpose: str) -> WebAuthnChallenge | None:
    """Mark the challenge used; None when there is no unused one of this purpose (the
    caller refuses with refuse_challenge, unless it has a better answer: a ballot sent
    again). An expired challenge is refused here.

    One UPDATE … RETURNING on the way that succeeds; it locks the row, so of two answers
    racing with the same challenge the second finds it used. Why a refusal is a refusal
    is read only then."""
    encoded = bytes_to_base64url(challenge)
    now = utcnow()
    row: WebAuthnChallenge | None = (
        (
            await tx.session.exec(
                _TAKE_CHALLENGE,
                params={"encoded": encoded, "for_purpose": purpose, "used_now": now},
            )
        )
        .scalars()
        .first()
    )
    if row is not None and row.expires_at < now:
        await refuse(
            tx,
            ChallengeRefused("The request expired before the passkey answered. Try again."),
            subject=f"challenge:{encoded[:16]}",
            purpose=purpose,
        )
    return row


async def refuse_challenge(tx: Tx, challenge: bytes, *, purpose: str) -> NoReturn:
    await _refuse_challenge(tx, bytes_to_base64url(challenge), purpose)


async def _refuse_challenge(tx: Tx, encoded: str, purpose: str) -> NoReturn:
    row = (
        await tx.session.exec(
            select(WebAuthnChallenge).where(WebAuthnChallenge.challenge == encoded)
        )
    ).first()
    if row is not None and row.purpose == purpose and row.used_at is not None:
        await refuse(
            tx,
            ChallengeRefused("This passkey answer was already used once and cannot be used again."),
            subject=f"challenge:{encoded[:16]}",
            purpose=purpose,
        )
    await refuse(
        tx,
        ChallengeRefused(
            "This passkey answer does not match any request of ours. Try again from the start."
        ),
        subject=f"challenge:{encoded[:16]}",
        purpose=purpose,
    )


def challenge_of(credential: dict[str, Any]) -> bytes:
    """The challenge the client says it answered (verified against ours afterwards)."""
    try:
        raw = base64url_to_bytes(credential["response"]["clientDataJSON"])
        return parse_client_data_json(raw).challenge
    except (KeyError, TypeError, ValueError, InvalidJSONStructure) as exc:
        raise BadRequest(
            "The passkey answer is malformed: clientDataJSON is missing or unreadable."
        ) from exc


# --- registration ---------------------------------------------------------------------


async def registration_options(
    tx: Tx,
    settings: Settings,
    person: Person,
    *,
    client: Client,
    purpose: str,
    **context: Any,
) -> dict[str, Any]:
    existing = (
        await tx.session.exec(
            select(PasskeyCredential).where(
                PasskeyCredential.person_id == person.id,
                col(PasskeyCredential.revoked_at).is_(None),
            )
        )
    ).all()
    challenge = await issue_challenge(
        tx, settings, purpose=purpose, client=client, person_id=person.id, **context
    )
    options = generate_registration_options(
        rp_id=settings.rp_id,
        rp_name=settings.rp_name,
        user_id=person.webauthn_user_id.encode(),
        user_name=person.email or person.full_name,
        user_display_name=person.full_name,
        challenge=challenge,
        timeout=settings.challenge_valid_seconds * 1000,
        attestation=await attestation.conveyance(tx, person.id),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=base64url_to_bytes(c.credential_id)) for c in existing
        ],
        supported_pub_key_algs=SUPPORTED_ALGORITHMS,
    )
    result: dict[str, Any] = json.loads(options_to_json(options))
    return result


def spki_pem(public_key_cose: bytes) -> str:
    key = decoded_public_key_to_cryptography(decode_credential_public_key(public_key_cose))
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


async def _allowed_aaguids(tx: Tx, person_id: int) -> set[str] | None:
    """The union of the allow-lists of the person's bodies; None when no body restricts."""
    lists = (
        await tx.session.exec(
            select(Body.aaguid_allowlist)
            .join(Membership, col(Membership.body_id) == Body.id)
            .where(Membership.person_id == person_id, col(Membership.active))
        )
    ).all()
    restricting = [set(a) for a in lists if a]
    if not restricting:
        return None
    return set.intersection(*restricting)


async def register_credential(
    tx: Tx,
    settings: Settings,
    person: Person,
    credential: dict[str, Any],
    *,
    purpose: str,
    device_name: str,
    actor_id: int | None,
) -> PasskeyCredential:
    assert person.id is not None
    challenge = await consume_challenge(tx, challenge_of(credential), purpose=purpose)
    if challenge.person_id != person.id:
        await refuse(
            tx,
            ChallengeRefused("This enrollment was started for another person."),
            subject=f"person:{person.id}",
        )
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=base64url_to_bytes(challenge.challenge),
            expected_rp_id=settings.rp_id,
            expected_origin=settings.origin,
            require_user_verification=True,
            supported_pub_key_algs=SUPPORTED_ALGORITHMS,
        )
    except (InvalidRegistrationResponse, InvalidJSONStructure) as exc:
        await refuse(
            tx, _explain(exc), actor_id=actor_id, subject=f"person:{person.id}", step="registration"
        )
    unattested = await attestation.refusal(
        tx, person.id, verified.attestation_object, verified.aaguid
    )
    if unattested is not None:
        await refuse(
            tx,
            unattested,
            actor_id=actor_id,
            subject=f"person:{person.id}",
            aaguid=verified.aaguid,
            format=attestation.format_name(verified.fmt),
        )
    allowed = await _allowed_aaguids(tx, person.id)
    if allowed is not None and verified.aaguid not in allowed:
        await refuse(
            tx,
            CredentialRefused(
                "This device is not one of the managed tablets approved for your body. Use the "
                "tablet issued to you."
            ),
            actor_id=actor_id,
            subject=f"person:{person.id}",
            aaguid=verified.aaguid,
        )
    credential_id = bytes_to_base64url(verified.credential_id)
    if (
        await tx.session.exec(
            select(PasskeyCredential).where(PasskeyCredential.credential_id == credential_id)
        )
    ).first():
        await refuse(
            tx,
            CredentialRefused("This passkey is already registered."),
            actor_id=actor_id,
            subject=f"person:{person.id}",
        )
    row = PasskeyCredential(
        person_id=person.id,
        credential_id=credential_id,
        public_key_cose=verified.credential_public_key,
        public_key_spki_pem=spki_pem(verified.credential_public_key),
        algorithm=_algorithm_of(verified.credential_public_key),
        sign_count=verified.sign_count,
        aaguid=verified.aaguid,
        transports=list(credential.get("response", {}).get("transports") or []),
        device_name=_clean_device_name(device_name),
        backup_eligible=verified.credential_device_type == "multi_device",
        attestation_object=verified.attestation_object,
        attestation_format=attestation.format_name(verified.fmt),
        registration_client_data=_client_data_of(credential),
    )
    tx.session.add(row)
    await tx.session.flush()
    await audit.record(
        tx.session,
        "passkey.registered",
        actor_id=actor_id or person.id,
        subject=f"person:{person.id}",
        credential=row.id,
        device=row.device_name,
        aaguid=row.aaguid,
        algorithm=row.algorithm,
    )
    return row


def _client_data_of(credential: dict[str, Any]) -> bytes | None:
    raw = credential.get("response", {}).get("clientDataJSON")
    return base64url_to_bytes(raw) if isinstance(raw, str) else None


def _algorithm_of(public_key_cose: bytes) -> int:
    return int(decode_credential_public_key(public_key_cose).alg)


def _clean_device_name(name: str) -> str:
    cleaned = " ".join(name.split())[:100]
    return cleaned or "Thiết bị"


# --- assertions -----------------------------------------------------------------------


# Built once: the passkeys a person may answer with.
_ALLOWED = select(PasskeyCredential.credential_id).where(
    PasskeyCredential.person_id == bindparam("person"),
    col(PasskeyCredential.revoked_at).is_(None),
)


async def authentication_options(
    tx: Tx,
    settings: Settings,
    *,
    client: Client,
    purpose: str,
    person_id: int | None = None,
    challenge: bytes | None = None,
    **context: Any,
) -> dict[str, Any]:
    """Request options. Without a person the list of credentials is empty, so the browser
    offers the discoverable passkeys it holds: nobody types a name."""
    allow: list[PublicKeyCredentialDescriptor] = []
    if person_id is not None:
        rows = (await tx.session.exec(_ALLOWED, params={"person": person_id})).all()
        allow = [PublicKeyCredentialDescriptor(id=base64url_to_bytes(c)) for c in rows]
    value = await issue_challenge(
        tx,
        settings,
        purpose=purpose,
        client=client,
        person_id=person_id,
        challenge=challenge,
        **context,
    )
    options = generate_authentication_options(
        rp_id=settings.rp_id,
        challenge=value,
        timeout=settings.challenge_valid_seconds * 1000,
        allow_credentials=allow,
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    result: dict[str, Any] = json.loads(options_to_json(options))
    return result


# Built once: the credential (locked: its sign count is checked and moved), its person,
# and its quarantines not ended.
_CREDENTIAL = (
    select(PasskeyCredential, Person, PasskeyQuarantine)
    .outerjoin(Person, col(Person.id) == PasskeyCredential.person_id)
    .outerjoin(
        PasskeyQuarantine,
        and_(
            col(PasskeyQuarantine.credential_id) == PasskeyCredential.id,
            col(PasskeyQuarantine.ended_at).is_(None),
        ),
    )
    .where(PasskeyCredential.credential_id == bindparam("credential_id"))
    .with_for_update(of=PasskeyCredential)
)


@dataclass(frozen=True)
class Assertion:
    person: Person
    credential: PasskeyCredential
    challenge: WebAuthnChallenge
    authenticator_data: bytes
    client_data_json: bytes
    signature: bytes


async def verify_assertion(
    tx: Tx,
    settings: Settings,
    credential: dict[str, Any],
    *,
    purpose: str,
    challenge: WebAuthnChallenge | None = None,
) -> Assertion:
    """Verify an assertion against its single-use challenge and the stored credential;
    ``challenge``: the caller took it already (take_challenge)."""
    if challenge is None:
        challenge = await consume_challenge(tx, challenge_of(credential), purpose=purpose)
    credential_id = str(credential.get("id", ""))
    # One statement: the credential (locked: its sign count is checked and moved below),
    # its person, and its quarantines not ended (read here, refused after the sign count).
    found = (await tx.session.exec(_CREDENTIAL, params={"credential_id": credential_id})).all()
    row = found[0][0] if found else None
    if row is None:
        await refuse(
            tx,
            CredentialRefused(
                "This passkey is not registered with e-Cabinet. Ask the secretariat for an "
                "enrollment link."
            ),
            subject=f"credential:{credential_id[:16]}",
            purpose=purpose,
        )
    subject = f"person:{row.person_id}"
    if row.revoked_at is not None:
        await refuse(
            tx,
            CredentialRefused(
                "This passkey was revoked. Sign in with another device or ask the secretariat "
                "for a new enrollment link."
            ),
            actor_id=row.person_id,
            subject=subject,
            credential=row.id,
            purpose=purpose,
        )
    if challenge.person_id is not None and challenge.person_id != row.person_id:
        await refuse(
            tx,
            ChallengeRefused("This request was made for another person."),
            actor_id=row.person_id,
            subject=subject,
            purpose=purpose,
        )
    person = found[0][1]
    if person is None or person.disabled_at is not None:
        await refuse(
            tx,
            CredentialRefused("This account is disabled. Contact the secretariat."),
            subject=subject,
            purpose=purpose,
        )
    if not _user_handle_matches(credential, person):
        await refuse(
            tx,
            CredentialRefused("This passkey answer names another person."),
            actor_id=row.person_id,
            subject=subject,
            purpose=purpose,
        )
    await _check_client_data_strictly(tx, settings, credential, challenge, row, purpose)
    try:
        # The stored count is checked below by our own rule, so py_webauthn gets 0.
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=base64url_to_bytes(challenge.challenge),
            expected_rp_id=settings.rp_id,
            expected_origin=settings.origin,
            credential_public_key=row.public_key_cose,
            credential_current_sign_count=0,
            require_user_verification=True,
        )
    except (InvalidAuthenticationResponse, InvalidJSONStructure) as exc:
        await refuse(
            tx,
            _explain(exc),
            actor_id=row.person_id,
            subject=subject,
            credential=row.id,
            purpose=purpose,
        )
    if sign_count_went_backwards(row.sign_count, verified.new_sign_count):
        row.suspected_clone = True
        tx.session.add(row)
        assert row.id is not None
        # Either copy may be the thief's: every session the key opened ends, and its
        # websockets close, in every server process.
        ended = await end_logins_of_credential(tx, row.id, reason="cloned")
        await audit.record(
            tx.session,
            "passkey.blocked",
            actor_id=row.person_id,
            subject=subject,
            credential=row.id,
            sessions_ended=ended,
        )
        await refuse(
            tx,
            CredentialRefused(
                "This passkey reported a use counter lower than before, which happens when a "
                "key has been copied. It is blocked; contact the secretariat."
            ),
            actor_id=row.person_id,
            subject=subject,
            credential=row.id,
            stored=row.sign_count,
            reported=verified.new_sign_count,
        )
    if row.suspected_clone:
        await refuse(
            tx,
            CredentialRefused(
                "This passkey is blocked because it may have been copied. Contact the secretariat."
            ),
            actor_id=row.person_id,
            subject=subject,
            credential=row.id,
        )
    row.sign_count = verified.new_sign_count
    row.last_used_at = utcnow()
    tx.session.add(row)
    await tx.session.flush()
    action = quarantine.PURPOSE_ACTIONS.get(purpose)
    if action is not None:
        quarantined = quarantine.still_active([q for _, _, q in found if q is not None])
        await quarantine.refuse_if_active(tx, quarantined, row.id, action, actor_id=row.person_id)
    response = credential["response"]
    return Assertion(
        person=person,
        credential=row,
        challenge=challenge,
        authenticator_data=base64url_to_bytes(response["authenticatorData"]),
        client_data_json=base64url_to_bytes(response["clientDataJSON"]),
        signature=base64url_to_bytes(response["signature"]),
    )


async def _check_client_data_strictly(
    tx: Tx,
    settings: Settings,
    credential: dict[str, Any],
    challenge: WebAuthnChallenge,
    row: PasskeyCredential,
    purpose: str,
) -> None:
    """Refuse what the offline verifier would reject, with the verifier's own function:
    py_webauthn alone accepts forms that would make signed minutes fail verification."""
    try:
        client_data.check_client_data(
            base64url_to_bytes(credential["response"]["clientDataJSON"]),
            expected_type="webauthn.get",
            expected_challenge=base64url_to_bytes(challenge.challenge),
            expected_origin=settings.origin,
        )
    except client_data.ClientDataError as exc:
        await refuse(
            tx,
            ClientDataRefused(
                "Your device's answer is not in the strict form e-Cabinet keeps as evidence and "
                "verifies offline (%(why)s). Nothing was recorded. Try again in an up-to-date "
                "browser, outside any embedded frame.",
                why=str(exc),
            ),
            actor_id=row.person_id,
            subject=f"person:{row.person_id}",
            credential=row.id,
            purpose=purpose,
        )


def sign_count_went_backwards(stored: int, reported: int) -> bool:
    """WebAuthn §6.1.1: when either count is non-zero the new one must be greater.
    Synced passkeys report 0 always, which is no evidence of anything."""
    return (stored > 0 or reported > 0) and reported <= stored


def _user_handle_matches(credential: dict[str, Any], person: Person) -> bool:
    handle = credential.get("response", {}).get("userHandle")
    if not handle:
        return True  # optional for non-discoverable use; the credential id binds the key
    try:
        return base64url_to_bytes(str(handle)) == person.webauthn_user_id.encode()
    except ValueError:
        return False
