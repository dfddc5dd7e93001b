"""texts voted on: each poll keeps the document versions (title, number, SHA-256) frozen
when it opened, which its ballots sign

Revision ID: ballot_01
Revises: live_02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "ballot_01"
down_revision: str | None = "live_02"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("poll") as batch:
        batch.add_column(sa.Column("texts", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("poll") as batch:
        batch.drop_column("texts")
