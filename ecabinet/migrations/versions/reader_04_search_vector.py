"""search on PostgreSQL: a stored tsvector column with its GIN index, so a common word is
not re-parsed from every entry's text

Revision ID: reader_04
Revises: notify_02
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "reader_04"
down_revision: str | None = "notify_02"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite has its FTS5 index (reader_02)
    op.execute("DROP INDEX IF EXISTS search_fts_gin")
    op.execute(
        "ALTER TABLE search_entry ADD COLUMN search_fts_vector tsvector "
        "GENERATED ALWAYS AS (to_tsvector('simple', folded)) STORED"
    )
    op.execute("CREATE INDEX search_fts_vector_gin ON search_entry USING gin (search_fts_vector)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS search_fts_vector_gin")
    op.execute("ALTER TABLE search_entry DROP COLUMN IF EXISTS search_fts_vector")
    op.execute(
        "CREATE INDEX search_fts_gin ON search_entry USING gin (to_tsvector('simple', folded))"
    )
