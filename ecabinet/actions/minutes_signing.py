"""Approving and signing the minutes.

1. The chair approves the draft with a fresh passkey assertion whose challenge is SHA-256
   of the draft PDF itself: the chair's device signs exactly those bytes.
2. The secretary signs (PAdES) and, in the same revision, attaches the chair's approval, so
   that anyone can re-check it offline against the draft inside the signed file.
3. The chair signs last. Each step also signs the conclusion notice.
Each signing step needs the signer's own passkey assertion made for that step, whose
challenge is bound to the exact PDFs being signed (signature_challenge): a signed-in
session, however fresh, never signs on its own. The keys are those configured for each
signer (ecabinet.minutes.sign).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlmodel import select

from .. import audit
from ..auth import passkeys
from ..auth.actor import Actor
from ..auth.permissions import Permission, can, ensure, ensure_signed_in
from ..auth.quarantine import Action, ensure_login_may
from ..ballots.evidence import canonical_json
from ..db import Tx
from ..documents.storage import store_for
from ..errors import Conflict, EcabinetError, Forbidden, NotFound
from ..i18n import N_
from ..minutes.evidence import APPROVAL_FILE_NAME, b64url
from ..minutes.labels import Words
from ..minutes.render import CHAIR_FIELD, SECRETARY_FIELD
from ..minutes.sign import (
    SignerRole,
    archival,
    archive_pdf,
    key_source,
    sign_pdf,
    timestamper,
)
from ..models import Meeting, Minutes, Person, WebAuthnChallenge, utcnow
from ..settings import Settings
from ..vocab import MinutesState
from . import minutes_notices
from .minutes_drafts import meeting_of, minutes_row, read_blob

APPROVAL = "minutes-approval"
SIGNATURE = "minutes-signature"


class MinutesRefused(Forbidden):
    title = "Not allowed for these minutes"
    kind = "minutes"


def is_chair_of(actor: Actor, meeting: Meeting) -> bool:
    """The chair of this session, or the body's chair when none was recorded."""
    seat = actor.seat(meeting.body_id)
    if seat is None or not actor.signed_in:
        return False
    if meeting.chair_membership_id is not None:
        return seat.id == meeting.chair_membership_id
    return can(actor, Permission.SIGN_MINUTES_AS_CHAIR, meeting.body_id)


def ensure_chair(actor: Actor, meeting: Meeting) -> None:
    ensure_signed_in(actor)
    if not is_chair_of(actor, meeting):
        raise MinutesRefused("Only the chair of this session approves and signs its minutes.")


async def _drafted(tx: Tx, meeting_id: int) -> tuple[Meeting, Minutes]:
    meeting = await meeting_of(tx, meeting_id)
    minutes = await minutes_row(tx, meeting, lock=True)
    if not minutes.draft_sha256:
        raise Conflict("There is no draft of these minutes yet: the secretariat renders it first.")
    return meeting, minutes


async def approval_options(
    tx: Tx, settings: Settings, actor: Actor, *, meeting_id: int, client: passkeys.Client
) -> dict[str, Any]:
    """Request options whose challenge is SHA-256 of the draft the chair is approving."""
    meeting, minutes = await _drafted(tx, meeting_id)
    ensure_chair(actor, meeting)
    if minutes.state != MinutesState.DRAFT.value:
        raise Conflict("This draft is already %(state)s.", state=minutes.state)
    challenge = bytes.fromhex(minutes.draft_sha256)
    # The challenge is the draft's hash, so asking twice for the same draft would issue
    # the same value twice: the unanswered earlier request is replaced.
    earlier = (
        await tx.session.exec(
            select(WebAuthnChallenge).where(WebAuthnChallenge.challenge == b64url(challenge))
        )
    ).first()
    if earlier is not None:
        if earlier.used_at is not None:
            raise Conflict(
                "This draft was already approved once; render it again to approve a new one."
            )
        await tx.session.delete(earlier)
        await tx.session.flush()
    return await passkeys.authentication_options(
        tx,
        settings,
        client=client,
        purpose=APPROVAL,
        person_id=actor.person_id,
        challenge=challenge,
        minutes=minutes.id,
        draft=minutes.draft_sha256,
    )


async def approve(
    tx: Tx, settings: Settings, actor: Actor, *, meeting_id: int, credential: dict[str, Any]
) -> Minutes:
    meeting, minutes = await _drafted(tx, meeting_id)
    ensure_chair(actor, meeting)
    assertion = await passkeys.verify_assertion(tx, settings, credential, purpose=APPROVAL)
    subject = f"minutes:{minutes.id}"
    if assertion.person.id != actor.person_id:
        await passkeys.refuse(
            tx,
            MinutesRefused("This approval was signed with another person's passkey."),
            actor_id=actor.person_id,
            subject=subject,
        )
    if (
        assertion.challenge.challenge != b64url(bytes.fromhex(minutes.draft_sha256))
        or minutes.state != MinutesState.DRAFT.value
    ):
        await passkeys.refuse(
            tx,
            MinutesRefused(
                "The draft changed after you started approving it; approve the new draft."
            ),
            actor_id=actor.person_id,
            subject=subject,
        )
    store = store_for(settings.database_url, settings.data_dir)
    draft = await read_blob(tx, store, minutes.draft_sha256)
    now = utcnow()
    minutes.approval = {
        "draftSha256": minutes.draft_sha256,
        "draftLength": len(draft),
        "authenticatorData": b64url(assertion.authenticator_data),
        "clientDataJSON": b64url(assertion.client_data_json),
        "signature": b64url(assertion.signature),
        "credentialId": assertion.credential.credential_id,
        "publicKey": assertion.credential.public_key_spki_pem,
        "origin": settings.origin,
        "rpId": settings.rp_id,
        "name": assertion.person.full_name,
        "at": now.isoformat(timespec="seconds"),
    }
    minutes.state, minutes.approved_by_id, minutes.approved_at = (
        MinutesState.APPROVED.value,
        actor.person_id,
        now,
    )
    minutes.updated_at = now
    tx.session.add(minutes)
    await audit.record(
        tx.session,
        "minutes.approved",
        actor_id=actor.person_id,
        body_id=meeting.body_id,
        subject=subject,
        draft=minutes.draft_sha256,
        credential=assertion.credential.id,
    )
    return minutes


@dataclass(frozen=True)
class _Step:
    field: str
    needs: str
    then: str
    sources: tuple[str, str]  # the minutes and notice versions this step signs
    reason: str


STEPS: dict[str, _Step] = {
    "secretary": _Step(
        SECRETARY_FIELD,
        MinutesState.APPROVED.value,
        MinutesState.SIGNED_BY_SECRETARY.value,
        ("draft_sha256", "notice_draft_sha256"),
        N_("Signed by the secretary of the session"),
    ),
    "chair": _Step(
        CHAIR_FIELD,
        MinutesState.SIGNED_BY_SECRETARY.value,
        MinutesState.SIGNED.value,
        ("secretary_sha256", "notice_secretary_sha256"),
        N_("Signed by the chair of the session"),
    ),
}


def _ensure_signer(actor: Actor, meeting: Meeting, role: SignerRole) -> None:
    if role == "chair":
        ensure_chair(actor, meeting)
    else:
        ensure(actor, Permission.SIGN_MINUTES_AS_SECRETARY, meeting.body_id)


def _ensure_turn(minutes: Minutes, role: SignerRole) -> None:
    step = STEPS[role]
    if minutes.state == step.needs:
        return
    if role == "secretary" and minutes.state == MinutesState.DRAFT.value:
        raise Conflict("The chair approves the draft with a passkey before anyone signs.")
    if role == "chair" and minutes.state in (MinutesState.DRAFT.value, MinutesState.APPROVED.value):
        raise Conflict("The secretary signs first; then the chair.")
    raise Conflict("These minutes are already %(state)s.", state=minutes.state)


def signature_basis(minutes: Minutes, role: SignerRole) -> dict[str, Any]:
    """What a signer's passkey confirms: the role and SHA-256 of the two PDFs that this
    step signs (the minutes and the notice as they are now)."""
    minutes_source, notice_source = STEPS[role].sources
    return {
        "purpose": "ecabinet-minutes-signature",
        "minutesId": minutes.id,
        "role": role,
        "minutesSha256": getattr(minutes, minutes_source),
        "noticeSha256": getattr(minutes, notice_source),
    }


def signature_challenge(minutes: Minutes, role: SignerRole) -> bytes:
    """SHA-256 of the canonical JSON of :func:`signature_basis`."""
    return hashlib.sha256(canonical_json(signature_basis(minutes, role))).digest()


async def _ready_to_sign(
    tx: Tx, actor: Actor, meeting_id: int, role: SignerRole
) -> tuple[Meeting, Minutes]:
    if role not in STEPS:
        raise NotFound("There is no signer %(role)s.", role=role)
    meeting, minutes = await _drafted(tx, meeting_id)
    _ensure_signer(actor, meeting, role)
    await ensure_login_may(tx, actor, Action.SIGN_MINUTES)
    _ensure_turn(minutes, role)
    return meeting, minutes


async def signature_options(
    tx: Tx,
    settings: Settings,
    actor: Actor,
    *,
    meeting_id: int,
    role: SignerRole,
    client: passkeys.Client,
) -> dict[str, Any]:
    """Request options for the signer's own passkey, the challenge bound to the PDFs."""
    _meeting, minutes = await _ready_to_sign(tx, actor, meeting_id, role)
    challenge = signature_challenge(minutes, role)
    # The same documents give the same challenge: an unanswered earlier request for them
    # is replaced (a used one cannot exist, since using it moved the minutes on).
    earlier = (
        await tx.session.exec(
            select(WebAuthnChallenge).where(WebAuthnChallenge.challenge == b64url(challenge))
        )
    ).first()
    if earlier is not None:
        await tx.session.delete(earlier)
        await tx.session.flush()
    return await passkeys.authentication_options(
        tx,
        settings,
        client=client,
        purpose=SIGNATURE,
        person_id=actor.person_id,
        challenge=challenge,
        minutes=minutes.id,
        role=role,
    )


async def _signer_assertion(
    tx: Tx,
    settings: Settings,
    actor: Actor,
    minutes: Minutes,
    role: SignerRole,
    credential: dict[str, Any] | None,
) -> passkeys.Assertion:
    subject = f"minutes:{minutes.id}"
    if credential is None:
        await passkeys.refuse(
            tx,
            MinutesRefused(
                "Signing the minutes needs your own passkey over the documents being signed; "
                "a signed-in session is not enough. Ask for the signing options first."
            ),
            actor_id=actor.person_id,
            subject=subject,
            role=role,
        )
    assertion = await passkeys.verify_assertion(tx, settings, credential, purpose=SIGNATURE)
    if assertion.person.id != actor.person_id:
        await passkeys.refuse(
            tx,
            MinutesRefused("This signature was confirmed with another person's passkey."),
            actor_id=actor.person_id,
            subject=subject,
            role=role,
        )
    if assertion.challenge.challenge != b64url(signature_challenge(minutes, role)):
        await passkeys.refuse(
            tx,
            MinutesRefused(
                "Your passkey confirmed other documents or another signing step than this "
                "one; ask for the signing options again."
            ),
            actor_id=actor.person_id,
            subject=subject,
            role=role,
        )
    return assertion


async def sign(
    tx: Tx,
    settings: Settings,
    actor: Actor,
    *,
    meeting_id: int,
    role: SignerRole,
    credential: dict[str, Any] | None = None,
) -> Minutes:
    meeting, minutes = await _ready_to_sign(tx, actor, meeting_id, role)
    assertion = await _signer_assertion(tx, settings, actor, minutes, role, credential)
    basis = signature_basis(minutes, role)
    step = STEPS[role]
    _ = Words(minutes.language, str(getattr(settings, "time_zone", "Asia/Ho_Chi_Minh")))
    reason = _(step.reason)
    attachments = (
        {APPROVAL_FILE_NAME: json.dumps(minutes.approval, sort_keys=True).encode()}
        if role == "secretary"
        else {}
    )
    try:
        key, stamper = key_source(settings, role), timestamper(settings)
        # The chair's is the last signature: then B-LTA, when configured.
        lta = archival(settings) if role == "chair" else None
        signed = []
        store = store_for(settings.database_url, settings.data_dir)
        for source, extra in zip(step.sources, (attachments, {}), strict=True):
            data = await read_blob(tx, store, getattr(minutes, source))
            result = await sign_pdf(
                data,
                field=step.field,
                key=key,
                reason=reason,
                location=meeting.place,
                stamper=stamper,
                attachments=extra,
                time_zone=str(settings.time_zone),
            )
            if lta is not None:
                result = await archive_pdf(result, lta)
            signed.append(await store.put(tx.session, result))
    except EcabinetError as exc:
        # The key could not sign (no PIN supplied yet, token absent): the passkey answer
        # stays used, so the next attempt needs a new one.
        await passkeys.refuse(
            tx, exc, actor_id=actor.person_id, subject=f"minutes:{minutes.id}", role=role
        )
    _record_signature(minutes, role, actor, signed)
    tx.session.add(minutes)
    await audit.record(
        tx.session,
        "minutes.signed",
        actor_id=actor.person_id,
        body_id=meeting.body_id,
        subject=f"minutes:{minutes.id}",
        role=role,
        minutes_sha256=signed[0],
        notice_sha256=signed[1],
        key=key.description,
        time_stamped=stamper is not None,
        long_term=lta is not None,
        confirmed=_confirmation(basis, assertion),
    )
    if role == "chair":  # the last signature: the minutes are final
        await minutes_notices.signed(tx, meeting, minutes)
    return minutes


def _confirmation(basis: dict[str, Any], assertion: passkeys.Assertion) -> dict[str, Any]:
    """The signer's passkey assertion, kept in the audit chain so that it can be checked
    again later against the stored public key."""
    return {
        "basis": basis,
        "credential": assertion.credential.id,
        "authenticatorData": b64url(assertion.authenticator_data),
        "clientDataJSON": b64url(assertion.client_data_json),
        "signature": b64url(assertion.signature),
    }


def _record_signature(minutes: Minutes, role: SignerRole, actor: Actor, signed: list[str]) -> None:
    now = utcnow()
    if role == "secretary":
        minutes.secretary_sha256, minutes.notice_secretary_sha256 = signed
        minutes.secretary_signed_by_id, minutes.secretary_signed_at = actor.person_id, now
    else:
        minutes.signed_sha256, minutes.notice_signed_sha256 = signed
        minutes.chair_signed_by_id, minutes.chair_signed_at = actor.person_id, now
    minutes.state = STEPS[role].then
    minutes.updated_at = now


def may_read_drafts(actor: Actor, meeting: Meeting) -> bool:
    body = meeting.body_id
    return (
        is_chair_of(actor, meeting)
        or can(actor, Permission.EDIT_MINUTES, body)
        or can(actor, Permission.SIGN_MINUTES_AS_SECRETARY, body)
    )


async def download(
    tx: Tx, settings: Settings, actor: Actor, *, meeting_id: int, document: str
) -> tuple[bytes, str]:
    """The latest version of the minutes or of the notice; drafts only to those who make,
    approve or sign them, the signed file to every member of the body."""
    meeting = await meeting_of(tx, meeting_id)
    ensure(actor, Permission.VIEW_BODY, meeting.body_id)
    minutes = await minutes_row(tx, meeting)
    prefix = "" if document == "minutes" else "notice_"
    stages = [
        getattr(minutes, f"{prefix}{stage}")
        for stage in ("signed_sha256", "secretary_sha256", "draft_sha256")
    ]
    final, latest = stages[0], next((s for s in stages if s), "")
    if not latest:
        raise NotFound("These minutes have not been written yet.")
    if not final and not may_read_drafts(actor, meeting):
        raise Forbidden(
            "The minutes are not signed yet; until then only the secretariat "
            "and the chair see the draft."
        )
    store = store_for(settings.database_url, settings.data_dir)
    data = await read_blob(tx, store, latest)
    await audit.record(
        tx.session,
        "minutes.downloaded",
        actor_id=actor.person_id,
        body_id=meeting.body_id,
        subject=f"minutes:{minutes.id}",
        document=document,
        sha256=latest,
    )
    stage = "signed" if final else "draft"
    return data, f"{document}-{meeting.number or meeting.id}-{stage}.pdf"


async def approver_name(tx: Tx, minutes: Minutes) -> str:
    if minutes.approved_by_id is None:
        return ""
    person = await tx.session.get(Person, minutes.approved_by_id)
    return "" if person is None else person.full_name
