"""The evidence file embedded in the minutes: every counted ballot with its WebAuthn
assertion, the rules and numbers each vote was decided by, and the audit-chain head. A vote
the chair annulled keeps its ballots here, with who annulled it, when and why, and no
outcome; the vote that re-ran it names it (``rerunOf``).

Anybody can re-verify it offline (``ecabinet minutes verify``): each ballot's signature,
then a recount of each vote under the rules it was decided by.

A secret ballot is the exception: a ballot's payload names its voter and its public key is
the member's, so its evidence would say who voted how. For a secret vote the file lists each
ballot's receipt with its choice, in receipt order, and apart from them the members who
voted. A receipt is SHA-256 of the ballot payload, which holds a random 128-bit nonce, so it
cannot be brute-forced back to a voter; the voter knows their own receipt and finds their
choice beside it. Anybody can recount the choices; the signed ballots stay in the server's
database.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from .record import BallotRecord, MinutesRecord, VoteRecord

FORMAT = "ecabinet-minutes-evidence/2"
FILE_NAME = "ecabinet-evidence.json"
APPROVAL_FILE_NAME = "ecabinet-approval.json"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def evidence_of(record: MinutesRecord) -> dict[str, Any]:
    seats = record.seats
    return {
        "format": FORMAT,
        "origin": record.origin,
        "rpId": record.rp_id,
        "body": {"id": record.body_id, "name": record.body_name},
        "meeting": {
            "id": record.meeting_id,
            "number": record.number,
            "title": record.title,
            "chairMembership": None if record.chair is None else record.chair.membership_id,
            "startsAt": record.starts_at.isoformat(),
            "closedAt": None if record.closed_at is None else record.closed_at.isoformat(),
        },
        "auditHead": {
            "seq": record.audit_head.seq,
            "hash": record.audit_head.hash,
            "at": None if record.audit_head.at is None else record.audit_head.at.isoformat(),
        },
        "members": {str(k): {"name": s.name, "title": s.title} for k, s in seats.items()},
        "votes": [_vote(number, vote) for number, vote in enumerate(record.votes, start=1)],
    }


def _vote(number: int, vote: VoteRecord) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "number": number,
        "kind": vote.kind,
        "poll": vote.poll_id,
        "question": vote.question_id,
        "title": vote.title,
        "text": vote.question,
        "options": list(vote.options),
        "secret": vote.secret,
        "rules": vote.rules,
        "electorate": vote.electorate,
        "present": vote.present,
        "chairMembership": vote.chair_membership_id,
        "voters": list(vote.voters),
        "outcome": vote.outcome,
        "texts": list(vote.texts),
    }
    if vote.labels:
        # A "choose one option" vote: its options as each ballot names them.
        entry["labels"] = list(vote.labels)
    if vote.item_id is not None:
        entry["item"] = vote.item_id
    if vote.annulled is not None:
        # Annulled: its ballots are here to be verified, and count towards no outcome.
        entry["outcome"] = None
        entry["annulled"] = {
            "at": None if vote.annulled.at is None else vote.annulled.at.isoformat(),
            "by": vote.annulled.by,
            "reason": vote.annulled.reason,
        }
    if vote.rerun_of is not None:
        entry["rerunOf"] = vote.rerun_of
    if vote.secret:
        entry["ballots"] = []
        entry["secretBallots"] = sorted(
            ({"receipt": b.receipt, "choice": b.choice} for b in vote.ballots),
            key=lambda b: b["receipt"],
        )
        entry["voted"] = sorted(b.membership_id for b in vote.ballots)
    else:
        entry["ballots"] = [_ballot(b) for b in vote.ballots]
    return entry


def _ballot(ballot: BallotRecord) -> dict[str, Any]:
    return {
        "receipt": ballot.receipt,
        "payload": json.loads(ballot.payload),
        "authenticatorData": b64url(ballot.authenticator_data),
        "clientDataJSON": b64url(ballot.client_data_json),
        "signature": b64url(ballot.signature),
        "publicKey": ballot.public_key_spki_pem,
    }


def to_bytes(evidence: dict[str, Any]) -> bytes:
    """Readable JSON: a clerk may open the attachment and find a ballot by its receipt."""
    return json.dumps(evidence, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")


def ballot_count(evidence: dict[str, Any]) -> int:
    return sum(len(v.get("ballots", [])) for v in evidence.get("votes", []))
