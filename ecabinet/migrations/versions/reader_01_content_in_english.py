"""content in English: meetings, items and documents carry an optional English title and
summary

Revision ID: reader_01
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "reader_01"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _text(name: str) -> sa.Column[str]:
    return sa.Column(name, sa.Text(), nullable=False, server_default="")


def upgrade() -> None:
    with op.batch_alter_table("meeting") as batch:
        batch.add_column(
            sa.Column("title_en", sa.String(length=255), nullable=False, server_default="")
        )
        batch.add_column(_text("summary"))
        batch.add_column(_text("summary_en"))
    with op.batch_alter_table("agenda_item") as batch:
        batch.add_column(_text("summary_en"))
    with op.batch_alter_table("document") as batch:
        batch.add_column(
            sa.Column("title_en", sa.String(length=500), nullable=False, server_default="")
        )
        batch.add_column(_text("summary"))
        batch.add_column(_text("summary_en"))


def downgrade() -> None:
    with op.batch_alter_table("document") as batch:
        for name in ("summary_en", "summary", "title_en"):
            batch.drop_column(name)
    with op.batch_alter_table("agenda_item") as batch:
        batch.drop_column("summary_en")
    with op.batch_alter_table("meeting") as batch:
        for name in ("summary_en", "summary", "title_en"):
            batch.drop_column(name)
