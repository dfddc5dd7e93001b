"""Backup, restore, `audit verify` and `storage verify` on PostgreSQL (pg_dump and
pg_restore), and an older backup restored reported as a rollback (issue 13). The same
steps run on SQLite in tests/test_backups.py."""

from __future__ import annotations

from pathlib import Path

from ecabinet.db import Database
from ecabinet.settings import Settings

from ..support.operations import backup_restore_verify, older_backup_reported_as_rollback


async def test_backup_then_restore_gives_back_an_intact_chain_and_every_file(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    await backup_restore_verify(db, settings, tmp_path)


async def test_restoring_an_older_backup_is_reported_as_a_rollback(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    await older_backup_reported_as_rollback(db, settings, tmp_path)
