"""recusals: declared conflicts of interest per agenda item, and whether the body counts
a recused member toward the item's quorum

Revision ID: live_03
Revises: ballot_02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "live_03"
down_revision: str | None = "ballot_02"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "recusal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("membership_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("declared_by_id", sa.Integer(), nullable=True),
        sa.Column("declared_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["declared_by_id"], ["person.id"], name=op.f("fk_recusal_declared_by_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["agenda_item.id"], name=op.f("fk_recusal_item_id_agenda_item")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meeting.id"], name=op.f("fk_recusal_meeting_id_meeting")
        ),
        sa.ForeignKeyConstraint(
            ["membership_id"], ["membership.id"], name=op.f("fk_recusal_membership_id_membership")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recusal")),
    )
    op.create_index(op.f("ix_recusal_item_id"), "recusal", ["item_id"])
    op.create_index(op.f("ix_recusal_meeting_id"), "recusal", ["meeting_id"])
    with op.batch_alter_table("body") as batch:
        batch.add_column(
            sa.Column(
                "recused_count_in_quorum", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("body") as batch:
        batch.drop_column("recused_count_in_quorum")
    op.drop_index(op.f("ix_recusal_meeting_id"), table_name="recusal")
    op.drop_index(op.f("ix_recusal_item_id"), table_name="recusal")
    op.drop_table("recusal")
