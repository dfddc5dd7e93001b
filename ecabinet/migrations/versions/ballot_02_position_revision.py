"""position revision: each position counts its changes, so a member submits the
assistant's draft they reviewed and not a later one

Revision ID: ballot_02
Revises: ballot_01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "ballot_02"
down_revision: str | None = "ballot_01"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("position") as batch:
        batch.add_column(sa.Column("revision", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("position") as batch:
        batch.drop_column("revision")
