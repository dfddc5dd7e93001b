"""Polls (live votes and written polls), their questions and the signed ballots."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from ..vocab import PollState
from .base import at_field, json_field, text_field


class Poll(SQLModel, table=True):
    __tablename__ = "poll"

    id: int | None = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="body.id", index=True)
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id", index=True)
    item_id: int | None = Field(default=None, foreign_key="agenda_item.id")
    kind: str = Field(max_length=16)
    title: str = Field(max_length=500)
    description: str = text_field()
    secret: bool = False
    options: list[str] = json_field(list)
    state: str = Field(default=PollState.DRAFT.value, max_length=16)
    created_by_id: int | None = Field(default=None, foreign_key="person.id")
    approved_by_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = at_field(default_now=True)
    opened_at: datetime | None = at_field(nullable=True)
    deadline: datetime | None = at_field(nullable=True)
    closed_at: datetime | None = at_field(nullable=True)
    # The rules profile in force when the poll opened: later edits of the body's rules
    # must not change how an already running poll is decided.
    rules: dict[str, Any] = json_field(dict)
    # Number of members entitled to vote when the poll opened (the base of "all members").
    electorate: int | None = None
    # Their seats (membership ids), frozen with the count: who is asked, and who is silent.
    voter_ids: list[int] = json_field(list)
    # The document versions voted on, frozen when the poll opened ({"document", "title",
    # "version", "sha256"}): every ballot's payload names them, so a member signs the text
    # they were shown, and no new version can be uploaded while the poll is open.
    texts: list[dict[str, Any]] = json_field(list)
    # A live vote annulled by the chair (state "annulled"): who, when and why. Its ballots
    # stay stored as evidence but count for nothing; a re-run is a new poll pointing here.
    annulled_at: datetime | None = at_field(nullable=True)
    annulled_by_id: int | None = Field(default=None, foreign_key="person.id")
    annul_reason: str = text_field()
    rerun_of_id: int | None = Field(default=None, foreign_key="poll.id")
    # A live vote's item's status when the vote opened (pending or contested): annulling
    # the vote returns the item to it. Empty for votes opened before it was recorded.
    item_status_before: str = Field(default="", max_length=16)
    # An open live vote whose chair's page and room display show who voted how, live.
    roll_call: bool = False


class PollQuestion(SQLModel, table=True):
    __tablename__ = "poll_question"

    id: int | None = Field(default=None, primary_key=True)
    poll_id: int = Field(foreign_key="poll.id", index=True)
    ordinal: int = 0
    text: str = text_field()
    # A "choose one option" question's options ({"key", "label", "label_en"}, in order,
    # ecabinet/vote_options.py); empty for the classic for/against/abstain kind.
    options: list[dict[str, str]] = json_field(list)
    outcome: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON, nullable=True)


class Ballot(SQLModel, table=True):
    """A ballot and its WebAuthn evidence, enough to re-verify it offline years later."""

    __tablename__ = "ballot"
    # One current ballot per seat and question, whatever the code does: a second
    # concurrent cast fails here even if the row lock in actions/ballots.py were lost.
    __table_args__ = (
        sa.Index(
            "uq_ballot_current",
            "question_id",
            "membership_id",
            unique=True,
            sqlite_where=sa.text("superseded_by_id IS NULL"),
            postgresql_where=sa.text("superseded_by_id IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    poll_id: int = Field(foreign_key="poll.id", index=True)
    question_id: int = Field(foreign_key="poll_question.id", index=True)
    membership_id: int = Field(foreign_key="membership.id", index=True)
    choice: str = Field(max_length=16)
    payload: str = text_field()  # canonical JSON that was hashed into the challenge
    receipt: str = Field(max_length=64, unique=True)  # SHA-256 hex of the payload
    credential_id: int = Field(foreign_key="passkey_credential.id")
    authenticator_data: bytes = Field(sa_type=sa.LargeBinary)
    client_data_json: bytes = Field(sa_type=sa.LargeBinary)
    signature: bytes = Field(sa_type=sa.LargeBinary)
    public_key_spki_pem: str = text_field()
    cast_at: datetime = at_field(default_now=True)
    # A re-vote (when the body allows it) supersedes the earlier ballot, which is kept.
    superseded_by_id: int | None = Field(default=None, foreign_key="ballot.id")


class PollAttachment(SQLModel, table=True):
    """A document sent with a written poll (the draft the members are asked about)."""

    __tablename__ = "poll_attachment"
    __table_args__ = (sa.UniqueConstraint("poll_id", "document_id"),)

    id: int | None = Field(default=None, primary_key=True)
    poll_id: int = Field(foreign_key="poll.id", index=True)
    document_id: int = Field(foreign_key="document.id", index=True)
