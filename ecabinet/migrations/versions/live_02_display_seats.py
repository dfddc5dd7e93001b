"""display seats: projectors enrolled to show their body's room display, without a person

Revision ID: live_02
Revises: verifier_01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "live_02"
down_revision: str | None = "verifier_01"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "display_seat",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("body_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("link_hash", sa.String(length=64), nullable=True),
        sa.Column("link_expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("enrolled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["body_id"], ["body.id"], name=op.f("fk_display_seat_body_id_body")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["person.id"], name=op.f("fk_display_seat_created_by_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by_id"], ["person.id"], name=op.f("fk_display_seat_revoked_by_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_display_seat")),
        sa.UniqueConstraint("link_hash", name=op.f("uq_display_seat_link_hash")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_display_seat_token_hash")),
    )
    op.create_index(op.f("ix_display_seat_body_id"), "display_seat", ["body_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_display_seat_body_id"), table_name="display_seat")
    op.drop_table("display_seat")
