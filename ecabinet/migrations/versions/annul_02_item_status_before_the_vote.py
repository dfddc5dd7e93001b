"""a live vote keeps the status its item had when it opened, for an annulment to restore

Revision ID: annul_02
Revises: live_06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "annul_02"
down_revision: str | None = "live_06"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("poll") as batch:
        batch.add_column(
            sa.Column("item_status_before", sa.String(length=16), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("poll") as batch:
        batch.drop_column("item_status_before")
