"""client ids on marks and comments: a tablet that sends what it queued offline again
(its answer was lost) gets the first one back instead of a duplicate

Revision ID: reader_05
Revises: reader_04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "reader_05"
down_revision: str | None = "reader_04"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("annotation", sa.Column("client_id", sa.String(length=64), nullable=True))
    op.create_index(
        "ix_annotation_person_client", "annotation", ["person_id", "client_id"], unique=True
    )
    op.add_column("comment", sa.Column("client_id", sa.String(length=64), nullable=True))
    op.create_index("ix_comment_author_client", "comment", ["author_id", "client_id"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_comment_author_client", table_name="comment")
    with op.batch_alter_table("comment") as batch:
        batch.drop_column("client_id")
    op.drop_index("ix_annotation_person_client", table_name="annotation")
    with op.batch_alter_table("annotation") as batch:
        batch.drop_column("client_id")
