"""full-text search: entries, an FTS5 index on SQLite, a GIN index and unaccent on
PostgreSQL

Revision ID: reader_02
Revises: reader_01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "reader_02"
down_revision: str | None = "reader_01"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(column: str, table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{table}.id"],
        ondelete="CASCADE",
        name=op.f(f"fk_search_entry_{column}_{table}"),
    )


def upgrade() -> None:
    op.create_table(
        "search_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("body_id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("version_id", sa.Integer(), nullable=True),
        sa.Column("comment_id", sa.Integer(), nullable=True),
        sa.Column("page", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("folded", sa.Text(), nullable=False),
        sa.Column("indexed_at", sa.DateTime(timezone=True), nullable=False),
        _fk("body_id", "body"),
        _fk("comment_id", "comment"),
        _fk("document_id", "document"),
        _fk("item_id", "agenda_item"),
        _fk("meeting_id", "meeting"),
        _fk("version_id", "document_version"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_entry")),
        sa.UniqueConstraint("key", name=op.f("uq_search_entry_key")),
    )
    for column in ("body_id", "comment_id", "document_id", "item_id", "meeting_id", "version_id"):
        op.create_index(op.f(f"ix_search_entry_{column}"), "search_entry", [column])
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_fts()
    else:
        op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
        op.execute(
            "CREATE INDEX search_fts_gin ON search_entry USING gin (to_tsvector('simple', folded))"
        )


def _sqlite_fts() -> None:
    # An external-content FTS5 table over search_entry.folded, kept in step by triggers.
    op.execute(
        "CREATE VIRTUAL TABLE search_fts USING fts5(folded, content='search_entry', "
        "content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
    )
    op.execute(
        "CREATE TRIGGER search_fts_insert AFTER INSERT ON search_entry BEGIN "
        "INSERT INTO search_fts(rowid, folded) VALUES (new.id, new.folded); END"
    )
    op.execute(
        "CREATE TRIGGER search_fts_delete AFTER DELETE ON search_entry BEGIN "
        "INSERT INTO search_fts(search_fts, rowid, folded) "
        "VALUES ('delete', old.id, old.folded); END"
    )
    op.execute(
        "CREATE TRIGGER search_fts_update AFTER UPDATE ON search_entry BEGIN "
        "INSERT INTO search_fts(search_fts, rowid, folded) "
        "VALUES ('delete', old.id, old.folded); "
        "INSERT INTO search_fts(rowid, folded) VALUES (new.id, new.folded); END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS search_fts_{trigger}")
        op.execute("DROP TABLE IF EXISTS search_fts")
    else:
        op.execute("DROP INDEX IF EXISTS search_fts_gin")
    op.drop_table("search_entry")
