"""annotations and private notes: a member's highlights, sticky notes and ink, and notes
per agenda item

Revision ID: reader_03
Revises: insider_01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "reader_03"
down_revision: str | None = "insider_01"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "item_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["agenda_item.id"],
            name=op.f("fk_item_note_item_id_agenda_item"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_item_note_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item_note")),
        sa.UniqueConstraint("person_id", "item_id", name=op.f("uq_item_note_person_id")),
    )
    op.create_index(op.f("ix_item_note_item_id"), "item_note", ["item_id"], unique=False)
    op.create_index(op.f("ix_item_note_person_id"), "item_note", ["person_id"], unique=False)
    op.create_table(
        "annotation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("page", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("quote", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("shape", sa.JSON(), nullable=False),
        sa.Column("carried_from_id", sa.Integer(), nullable=True),
        sa.Column("carry", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["carried_from_id"],
            ["annotation.id"],
            name=op.f("fk_annotation_carried_from_id_annotation"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["document.id"],
            name=op.f("fk_annotation_document_id_document"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_annotation_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["document_version.id"],
            name=op.f("fk_annotation_version_id_document_version"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_annotation")),
    )
    op.create_index(op.f("ix_annotation_document_id"), "annotation", ["document_id"], unique=False)
    op.create_index(op.f("ix_annotation_person_id"), "annotation", ["person_id"], unique=False)
    op.create_index(op.f("ix_annotation_version_id"), "annotation", ["version_id"], unique=False)


def downgrade() -> None:
    op.drop_table("annotation")
    op.drop_table("item_note")
