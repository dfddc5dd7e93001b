"""Bodies (a Government, a provincial committee, a board) and their rules profile."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from ..vocab import Classification, RevotePolicy, SilencePolicy, ThresholdBase, TieBreak
from .base import at_field, json_field

GOVERNMENT_VOTE_OPTIONS = ["for", "against", "abstain"]


class Body(SQLModel, table=True):
    """A decision-making body. Its columns from ``quorum_numerator`` on are the rules that
    differ between bodies; the defaults are the Government's (DOMAIN.md)."""

    __tablename__ = "body"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=255)
    name_en: str = Field(default="", max_length=255)
    short_name: str = Field(default="", max_length=64)
    created_at: datetime = at_field(default_now=True)

    # Quorum: at least numerator/denominator of ALL members present (Government: 2/3).
    quorum_numerator: int = 2
    quorum_denominator: int = 3
    # Pass: MORE than numerator/denominator of the base voting for (Government: 1/2 of all).
    pass_numerator: int = 1
    pass_denominator: int = 2
    pass_base: str = Field(default=ThresholdBase.ALL_MEMBERS.value, max_length=16)
    tie_break: str = Field(default=TieBreak.CHAIR_SIDE.value, max_length=16)
    vote_options: list[str] = json_field(lambda: list(GOVERNMENT_VOTE_OPTIONS))
    secret_ballot_allowed: bool = False
    revote_policy: str = Field(default=RevotePolicy.UNTIL_CLOSE.value, max_length=16)
    stand_in_may_vote: bool = False
    poll_silence: str = Field(default=SilencePolicy.NOT_A_VOTE.value, max_length=16)
    poll_window_days: int = 5
    document_lead_days: int = 3
    missing_position_contested: bool = False
    # The highest classification this system may hold for the body at all.
    max_classification: int = Classification.MAT.value
    # Documents above this level are never kept offline on a tablet.
    offline_max_classification: int = Classification.INTERNAL.value
    # Empty: any authenticator. Otherwise only these AAGUIDs (managed tablets).
    aaguid_allowlist: list[str] = json_field(list)
    # "any": the authenticator's word for its model is taken; "attested": its attestation
    # must chain to a root in attestation_root for this body (auth/attestation.py).
    attestation_policy: str = Field(default="any", max_length=16)
    # The countdown of a speech on the list of speakers, and of a point of order or a
    # reply (the chair may still let a speaker finish).
    speech_seconds: int = 300
    reply_seconds: int = 120
    # Whether a member who declared a conflict of interest on an item still counts toward
    # that item's quorum when present (DOMAIN.md: unsettled; the default is the stricter).
    recused_count_in_quorum: bool = False
    # The highest classification a room display may show when the chair presents a page
    # (the room sees it, not only those cleared): by default nothing classified.
    display_max_classification: int = Classification.INTERNAL.value


class AttestationRoot(SQLModel, table=True):
    """A root certificate of an authenticator maker that a body trusts for attestation."""

    __tablename__ = "attestation_root"
    __table_args__ = (
        sa.UniqueConstraint("body_id", "sha256", name="uq_attestation_root_body_id_sha256"),
    )

    id: int | None = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="body.id", index=True)
    sha256: str = Field(max_length=64)  # of the DER certificate
    subject: str = Field(max_length=500)
    pem: str = Field(sa_type=sa.Text)
    created_at: datetime = at_field(default_now=True)


class BodyCounter(SQLModel, table=True):
    """Per-body running numbers (session numbers), kept apart so numbering can lock a row."""

    __tablename__ = "body_counter"

    body_id: int = Field(foreign_key="body.id", primary_key=True)
    name: str = Field(primary_key=True, max_length=32)
    value: int = 0


def rules_of(body: Body) -> dict[str, Any]:
    """The rules profile as a plain mapping (what the rules module and exports read)."""
    return {
        column.name: getattr(body, column.name)
        for column in sa.inspect(Body).columns
        if column.name
        not in {
            "id",
            "slug",
            "name",
            "name_en",
            "short_name",
            "created_at",
            "attestation_policy",
            "speech_seconds",
            "reply_seconds",
        }
    }


class KeyRegisterRevision(SQLModel, table=True):
    """One signed revision of a body's member key register (``actions/key_register.py``):
    published whenever the register's content changes, each naming the previous one's
    SHA-256, so that a key added later cannot pass for one published before a vote."""

    __tablename__ = "key_register_revision"
    __table_args__ = (
        sa.UniqueConstraint(
            "body_id", "revision", name="uq_key_register_revision_body_id_revision"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="body.id", index=True)
    revision: int
    sha256: str = Field(max_length=64)  # of the signed PDF
    previous_sha256: str = Field(default="", max_length=64)
    # SHA-256 of the content that decides whether a new revision is due (no times in it).
    content_sha256: str = Field(max_length=64)
    content: dict[str, Any] = json_field(dict)
    pdf: bytes = Field(sa_type=sa.LargeBinary)
    created_at: datetime = at_field(default_now=True)
