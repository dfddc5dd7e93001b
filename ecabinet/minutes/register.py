"""The member key register: the keys a verifier may trust, published outside the minutes.

A verifier that took each ballot's public key from the minutes themselves would accept a
ballot re-signed with a freshly made passkey. The register is the anchor instead: a PDF
signed (PAdES) by the secretariat, time-stamped when a time-stamp authority is configured,
with ``ecabinet-key-register.json`` attached. It lists, for one body:

- every person who holds a seat, with each passkey they enrolled: credential id, public key
  (SPKI PEM) and its fingerprint, attestation format if any, when it was enrolled, who
  issued the enrollment, and when it was revoked;
- the certificates that sign minutes for each role (secretary, chair), by SHA-256 of the
  certificate, so that a signature field filled with the wrong role's key is caught.

Why a signed PDF and not a detached CMS over JSON: the same pyHanko signing and validation
(and time stamps, and PAdES long-term validation) serve both documents, any PDF reader shows
the register's page of fingerprints and its signature, and a member can compare the
fingerprint printed there with the one on their devices page.

A key added later for a past session is visible. The register is published in revisions,
one for every change of its keys, each signed and time-stamped, naming the SHA-256 of the
one before and listing all earlier ones; each key carries the revision that first listed
it. The verifier refuses a ballot signed before its key's enrollment, and one whose key
first appeared in a revision published after the ballot (``PUBLICATION_DELAY`` allowed for
the sweeper). Given several revisions, it checks that they form one chain and uses the
newest. What it cannot see: a register rewritten whole from its first revision, unless a
revision kept from before is given too (then the fork is reported).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives import serialization

REGISTER_FORMAT = "ecabinet-key-register/1"
REGISTER_FILE_NAME = "ecabinet-key-register.json"
ROLES = ("secretary", "chair")
# How long after a key change its register revision may appear (the sweeper's interval
# and the time stamp's round trip, with room to spare).
PUBLICATION_DELAY = timedelta(minutes=10)


class RegisterError(ValueError):
    """The register cannot be used; the message says why."""


def key_fingerprint(spki_pem: str) -> str:
    """SHA-256 of the key's DER SubjectPublicKeyInfo, in colon-free groups of four hex
    digits: what the register prints and the devices page shows."""
    try:
        key = serialization.load_pem_public_key(spki_pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise RegisterError(f"a public key is not a readable SPKI PEM: {exc}") from exc
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    digest = hashlib.sha256(der).hexdigest().upper()
    return " ".join(digest[i : i + 4] for i in range(0, len(digest), 4))


def parse_time(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    moment = datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        raise RegisterError(f"the time {value!r} has no time zone")
    return moment


@dataclass(frozen=True)
class Credential:
    person: int
    credential_id: str
    fingerprint: str
    enrolled_at: datetime
    revoked_at: datetime | None
    approved_by: str
    published_in: int | None = None
    attestation: dict[str, Any] | None = None

    def valid_at(self, moment: datetime) -> bool:
        return self.enrolled_at <= moment and (self.revoked_at is None or moment < self.revoked_at)


@dataclass(frozen=True)
class Signer:
    role: str
    certificate_sha256: str
    subject: str


@dataclass
class Register:
    """A register read from its JSON; the PDF's signature is checked by ``verify_register``."""

    body_id: int
    body_name: str
    issued_at: datetime
    people: dict[int, str] = field(default_factory=dict)
    seats: dict[int, frozenset[int]] = field(default_factory=dict)  # person -> memberships
    # fingerprint -> every entry with that key (one, unless a key was enrolled twice)
    keys: dict[str, list[Credential]] = field(default_factory=dict)
    signers: list[Signer] = field(default_factory=list)
    revision: int | None = None  # None: a register from before revisions were numbered
    previous_sha256: str | None = None
    history: dict[int, tuple[str, datetime | None]] = field(default_factory=dict)
    attestation_policy: str = "any"
    attestation_roots: list[str] = field(default_factory=list)
    # Maker roots the verifier chose to trust instead of the register's own (PEM).
    verifier_attestation_roots: list[str] | None = None
    # Set by ``read_register``: the file's SHA-256 and the trusted time stamp's time.
    file_sha256: str = ""
    stamped_at: datetime | None = None
    # Older revisions given alongside, by number: their time stamps' times.
    known_stamps: dict[int, datetime | None] = field(default_factory=dict)

    def published_at(self, revision: int) -> tuple[datetime | None, bool]:
        """When revision ``revision`` was published, and whether a trusted time stamp
        (not the server's own clock) says so."""
        if revision == self.revision:
            return (self.stamped_at, True) if self.stamped_at else (self.issued_at, False)
        if self.known_stamps.get(revision) is not None:
            return self.known_stamps[revision], True
        return self.history.get(revision, ("", None))[1], False

    def credentials_of_key(self, spki_pem: str) -> list[Credential]:
        return self.keys.get(key_fingerprint(spki_pem), [])

    def signer_roles(self, certificate_sha256: str) -> list[str]:
        return [s.role for s in self.signers if s.certificate_sha256 == certificate_sha256]


def parse_register(raw: bytes) -> Register:
    try:
        data = json.loads(raw)
        if not isinstance(data, dict) or data.get("format") != REGISTER_FORMAT:
            found = data.get("format") if isinstance(data, dict) else None
            raise RegisterError(f"unknown register format {found!r}")
        register = Register(
            int(data["body"]["id"]), str(data["body"]["name"]), _required_time(data["issuedAt"])
        )
        for person_id, person in dict(data["people"]).items():
            pid = int(person_id)
            register.people[pid] = str(person["name"])
            register.seats[pid] = frozenset(int(m) for m in person.get("memberships", []))
            for entry in person["credentials"]:
                credential = _credential(pid, entry)
                register.keys.setdefault(credential.fingerprint, []).append(credential)
        _revisions(register, data)
        for signer in data["signers"]:
            role = str(signer["role"])
            if role not in ROLES:
                raise RegisterError(f"unknown signer role {role!r}")
            register.signers.append(
                Signer(
                    role, str(signer["certificateSha256"]).lower(), str(signer.get("subject", ""))
                )
            )
    except RegisterError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise RegisterError(f"the register is malformed: {exc!r}") from exc
    return register


def _revisions(register: Register, data: dict[str, Any]) -> None:
    if data.get("revision") is None:
        return
    register.revision = int(data["revision"])
    previous = data.get("previous")
    register.previous_sha256 = None if previous is None else str(previous["sha256"])
    for entry in data.get("history", []):
        register.history[int(entry["revision"])] = (
            str(entry["sha256"]),
            parse_time(entry.get("issuedAt")),
        )
    if register.revision > 1 and (
        register.revision - 1 not in register.history
        or register.history[register.revision - 1][0] != register.previous_sha256
    ):
        raise RegisterError(
            "the register's history does not end with the revision it names as its previous one"
        )
    attestation = data.get("attestation") or {}
    register.attestation_policy = str(attestation.get("policy", "any"))
    register.attestation_roots = [str(pem) for pem in attestation.get("roots", [])]


def _required_time(value: Any) -> datetime:
    moment = parse_time(value)
    if moment is None:
        raise RegisterError("a required time is missing")
    return moment


def _credential(person: int, entry: dict[str, Any]) -> Credential:
    fingerprint = key_fingerprint(str(entry["publicKey"]))
    if entry.get("fingerprint") and entry["fingerprint"] != fingerprint:
        raise RegisterError(
            f"the printed fingerprint of credential {entry['credentialId']} "
            "is not that of its public key"
        )
    published = entry.get("publishedIn")
    return Credential(
        person,
        str(entry["credentialId"]),
        fingerprint,
        _required_time(entry["enrolledAt"]),
        parse_time(entry.get("revokedAt")),
        str(entry.get("approvedBy") or ""),
        None if published is None else int(published),
        entry.get("attestation") or None,
    )


def chain(newest: Register, older: list[Register]) -> None:
    """Check that older revisions given with ``newest`` belong to its chain: same body, the
    hash its history records, and every key it says they listed is in them. Raises
    ``RegisterError`` naming the first contradiction (a rewritten register)."""
    for old in sorted(older, key=lambda r: r.revision or 0):
        if old.body_id != newest.body_id:
            raise RegisterError(
                f"the registers given are of different bodies ({old.body_name}, {newest.body_name})"
            )
        if old.revision is None or newest.revision is None:
            raise RegisterError(
                "a register given has no revision number, so the registers cannot be chained"
            )
        if old.revision == newest.revision:
            if old.file_sha256 != newest.file_sha256:
                raise RegisterError(
                    f"two different files are both revision {old.revision} of "
                    "the register: it was rewritten"
                )
            continue
        recorded = newest.history.get(old.revision, ("", None))[0]
        if recorded != old.file_sha256:
            raise RegisterError(
                f"revision {newest.revision} of the register records revision {old.revision} "
                f"with SHA-256 {recorded[:16] or '(none)'}, but the revision {old.revision} "
                f"given has {old.file_sha256[:16]}: the register was rewritten"
            )
        listed = {c.credential_id for entries in old.keys.values() for c in entries}
        for entries in newest.keys.values():
            for credential in entries:
                if (
                    credential.published_in is not None
                    and credential.published_in <= old.revision
                    and credential.credential_id not in listed
                ):
                    raise RegisterError(
                        f"revision {newest.revision} of the register says credential "
                        f"{credential.credential_id[:16]} was published in revision "
                        f"{credential.published_in}, but revision {old.revision} does not list "
                        "it: the register was rewritten"
                    )
        newest.known_stamps[old.revision] = old.stamped_at
