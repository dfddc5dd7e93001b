"""attestation: a body's attestation policy and trusted roots; each credential keeps its
attestation object

Revision ID: keys_01
Revises: seams_01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "keys_01"
down_revision: str | None = "seams_01"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("body") as batch:
        batch.add_column(
            sa.Column(
                "attestation_policy", sa.String(length=16), nullable=False, server_default="any"
            )
        )
    with op.batch_alter_table("passkey_credential") as batch:
        batch.add_column(sa.Column("attestation_object", sa.LargeBinary(), nullable=True))
        batch.add_column(
            sa.Column("attestation_format", sa.String(length=32), nullable=False, server_default="")
        )
    op.create_table(
        "attestation_root",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("body_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("pem", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["body_id"], ["body.id"], name=op.f("fk_attestation_root_body_id_body")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attestation_root")),
        sa.UniqueConstraint("body_id", "sha256", name="uq_attestation_root_body_id_sha256"),
    )
    with op.batch_alter_table("attestation_root") as batch:
        batch.create_index(batch.f("ix_attestation_root_body_id"), ["body_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("attestation_root") as batch:
        batch.drop_index(batch.f("ix_attestation_root_body_id"))
    op.drop_table("attestation_root")
    with op.batch_alter_table("passkey_credential") as batch:
        batch.drop_column("attestation_format")
        batch.drop_column("attestation_object")
    with op.batch_alter_table("body") as batch:
        batch.drop_column("attestation_policy")
