"""follow the presenter: the page the chair shows on the room displays (and tablets), and
the highest classification a body's room display may show

Revision ID: live_04
Revises: options_01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "live_04"
down_revision: str | None = "options_01"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("meeting") as batch:
        batch.add_column(sa.Column("presented_version_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("presented_page", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("presented_follow", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("body") as batch:
        batch.add_column(
            sa.Column(
                "display_max_classification", sa.Integer(), nullable=False, server_default="1"
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("body") as batch:
        batch.drop_column("display_max_classification")
    with op.batch_alter_table("meeting") as batch:
        batch.drop_column("presented_follow")
        batch.drop_column("presented_page")
        batch.drop_column("presented_version_id")
