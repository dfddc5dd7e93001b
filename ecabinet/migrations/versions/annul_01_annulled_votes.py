"""annulled votes: who annulled a live vote, when and why, and the re-run that points at it

Revision ID: annul_01
Revises: live_03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "annul_01"
down_revision: str | None = "live_03"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("poll") as batch:
        batch.add_column(sa.Column("annulled_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("annulled_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("annul_reason", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("rerun_of_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_poll_annulled_by_id_person"), "person", ["annulled_by_id"], ["id"]
        )
        batch.create_foreign_key(op.f("fk_poll_rerun_of_id_poll"), "poll", ["rerun_of_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("poll") as batch:
        batch.drop_constraint(op.f("fk_poll_rerun_of_id_poll"), type_="foreignkey")
        batch.drop_constraint(op.f("fk_poll_annulled_by_id_person"), type_="foreignkey")
        batch.drop_column("rerun_of_id")
        batch.drop_column("annul_reason")
        batch.drop_column("annulled_by_id")
        batch.drop_column("annulled_at")
