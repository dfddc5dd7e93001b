"""stand-ins limited to named agenda items: on the member's attendance plan and on the
attendance recorded when the stand-in checks in

Revision ID: live_05
Revises: live_04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "live_05"
down_revision: str | None = "live_04"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ("attendance", "attendance_plan"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("stand_in_items", sa.JSON(), nullable=False, server_default="[]")
            )


def downgrade() -> None:
    for table in ("attendance_plan", "attendance"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("stand_in_items")
