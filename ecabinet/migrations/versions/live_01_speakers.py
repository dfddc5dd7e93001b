"""the list of speakers: requests to speak per agenda item, the body's countdowns, and
when the chair closed an item's list

Revision ID: live_01
Revises: reader_05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "live_01"
down_revision: str | None = "reader_05"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "speaker_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("membership_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("place", sa.Integer(), nullable=False),
        sa.Column("limit_seconds", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["item_id"], ["agenda_item.id"], name=op.f("fk_speaker_request_item_id_agenda_item")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meeting.id"], name=op.f("fk_speaker_request_meeting_id_meeting")
        ),
        sa.ForeignKeyConstraint(
            ["membership_id"],
            ["membership.id"],
            name=op.f("fk_speaker_request_membership_id_membership"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_speaker_request")),
    )
    op.create_index(op.f("ix_speaker_request_item_id"), "speaker_request", ["item_id"])
    op.create_index(op.f("ix_speaker_request_meeting_id"), "speaker_request", ["meeting_id"])
    with op.batch_alter_table("body") as batch:
        batch.add_column(
            sa.Column("speech_seconds", sa.Integer(), nullable=False, server_default="300")
        )
        batch.add_column(
            sa.Column("reply_seconds", sa.Integer(), nullable=False, server_default="120")
        )
    with op.batch_alter_table("agenda_item") as batch:
        batch.add_column(sa.Column("speakers_closed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("agenda_item") as batch:
        batch.drop_column("speakers_closed_at")
    with op.batch_alter_table("body") as batch:
        batch.drop_column("reply_seconds")
        batch.drop_column("speech_seconds")
    op.drop_index(op.f("ix_speaker_request_meeting_id"), table_name="speaker_request")
    op.drop_index(op.f("ix_speaker_request_item_id"), table_name="speaker_request")
    op.drop_table("speaker_request")
