"""key register revisions: each signed revision of a body's member key register; each
credential keeps its registration's clientDataJSON

Revision ID: verifier_01
Revises: live_01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "verifier_01"
down_revision: str | None = "live_01"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "key_register_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("body_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("previous_sha256", sa.String(length=64), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["body_id"], ["body.id"], name=op.f("fk_key_register_revision_body_id_body")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_key_register_revision")),
        sa.UniqueConstraint(
            "body_id", "revision", name="uq_key_register_revision_body_id_revision"
        ),
    )
    with op.batch_alter_table("key_register_revision") as batch:
        batch.create_index(batch.f("ix_key_register_revision_body_id"), ["body_id"], unique=False)
    with op.batch_alter_table("passkey_credential") as batch:
        batch.add_column(sa.Column("registration_client_data", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("passkey_credential") as batch:
        batch.drop_column("registration_client_data")
    with op.batch_alter_table("key_register_revision") as batch:
        batch.drop_index(batch.f("ix_key_register_revision_body_id"))
    op.drop_table("key_register_revision")
