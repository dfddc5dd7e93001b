"""People, their seats in bodies, passkeys, enrollment links and sign-in sessions."""

from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from ..vocab import Role
from .base import at_field, json_field, text_field


class Person(SQLModel, table=True):
    __tablename__ = "person"

    id: int | None = Field(default=None, primary_key=True)
    full_name: str = Field(max_length=200)
    # The WebAuthn user handle: random, so an authenticator never learns who the person is.
    webauthn_user_id: str = Field(
        default_factory=lambda: secrets.token_urlsafe(32), max_length=64, unique=True
    )
    email: str | None = Field(default=None, max_length=254, unique=True)
    locale: str = Field(default="vi", max_length=8)
    # A system administrator manages bodies and people; it gives no vote anywhere.
    is_admin: bool = False
    disabled_at: datetime | None = at_field(nullable=True)
    created_at: datetime = at_field(default_now=True)


class Membership(SQLModel, table=True):
    """A person's seat in a body: role, title, clearance and whom they stand in for."""

    __tablename__ = "membership"
    __table_args__ = (sa.UniqueConstraint("body_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="body.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    role: str = Field(default=Role.MEMBER.value, max_length=16)
    title: str = Field(default="", max_length=255)
    title_en: str = Field(default="", max_length=255)
    # Highest document classification the person may read (vocab.Classification).
    clearance: int = 1
    # A deputy who attends in a member's place points at that member's seat.
    stand_in_for_id: int | None = Field(default=None, foreign_key="membership.id")
    # An assistant drafts written positions for the member whose seat this points at; the
    # member submits them. Reminders go to both.
    assists_id: int | None = Field(default=None, foreign_key="membership.id")
    seat_order: int = 0
    active: bool = True
    created_at: datetime = at_field(default_now=True)


class PasskeyCredential(SQLModel, table=True):
    __tablename__ = "passkey_credential"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    credential_id: str = Field(max_length=1400, unique=True)  # base64url
    public_key_cose: bytes = Field(sa_type=sa.LargeBinary)
    # The same key as SPKI PEM, so ballots verify offline without a COSE parser.
    public_key_spki_pem: str = text_field()
    algorithm: int = -7
    sign_count: int = 0
    aaguid: str = Field(default="", max_length=36)
    transports: list[str] = json_field(list)
    device_name: str = Field(default="", max_length=100)
    backup_eligible: bool = False
    created_at: datetime = at_field(default_now=True)
    last_used_at: datetime | None = at_field(nullable=True)
    revoked_at: datetime | None = at_field(nullable=True)
    revoked_reason: str = Field(default="", max_length=255)
    suspected_clone: bool = False
    # The attestation object as the authenticator sent it at registration (CBOR), kept so
    # that the device's make-and-model proof can be checked again later.
    attestation_object: bytes | None = Field(default=None, sa_type=sa.LargeBinary, nullable=True)
    attestation_format: str = Field(default="", max_length=32)
    # The registration's clientDataJSON: the attestation statement signs its hash, so a
    # verifier can check the statement again only with it.
    registration_client_data: bytes | None = Field(
        default=None, sa_type=sa.LargeBinary, nullable=True
    )


class Enrollment(SQLModel, table=True):
    """A one-time link that lets a person register a passkey. Only the token's hash is kept."""

    __tablename__ = "enrollment"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_by_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = at_field(default_now=True)
    expires_at: datetime = at_field()
    used_at: datetime | None = at_field(nullable=True)


class WebAuthnChallenge(SQLModel, table=True):
    """A challenge issued by the server: single use, short-lived, never trusted from a client."""

    __tablename__ = "webauthn_challenge"

    id: int | None = Field(default=None, primary_key=True)
    challenge: str = Field(max_length=128, unique=True)  # base64url
    purpose: str = Field(max_length=32)
    person_id: int | None = Field(default=None, foreign_key="person.id")
    context: dict[str, object] = json_field(dict)
    created_at: datetime = at_field(default_now=True)
    expires_at: datetime = at_field()
    used_at: datetime | None = at_field(nullable=True)


class LoginSession(SQLModel, table=True):
    """A signed-in browser. The cookie carries a random id; only its hash is stored."""

    __tablename__ = "login_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    credential_id: int | None = Field(default=None, foreign_key="passkey_credential.id")
    created_at: datetime = at_field(default_now=True)
    last_seen_at: datetime = at_field(default_now=True)
    # Until this time a sensitive action needs no new assertion.
    fresh_until: datetime | None = at_field(nullable=True)
    ended_at: datetime | None = at_field(nullable=True)
    user_agent: str = Field(default="", max_length=255)
