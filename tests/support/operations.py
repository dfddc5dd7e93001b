"""What an operator does with backups, as steps the tests share: a backup, a restore,
then `audit verify` and `storage verify` (tests/faults on PostgreSQL, tests/test_backups.py
on SQLite), and the restore of an older backup reported as a rollback."""

from __future__ import annotations

from pathlib import Path

from ecabinet import audit
from ecabinet.db import Database
from ecabinet.demo.seed import seed_government
from ecabinet.documents.storage import store_for
from ecabinet.operations.anchors import anchor_head, anchor_path, read_anchors
from ecabinet.operations.backup import backup, restore
from ecabinet.operations.commands import chain_and_anchor_report
from ecabinet.operations.manifest import MANIFEST
from ecabinet.operations.storage_check import verify_storage
from ecabinet.settings import Settings


async def seeded(db: Database, settings: Settings) -> None:
    async with db.transaction() as tx:
        await seed_government(tx, settings)


async def more_events(db: Database, count: int) -> None:
    async with db.transaction() as tx:
        for n in range(count):
            await audit.record(tx.session, "test.after_backup", subject=f"event {n}")


async def backup_restore_verify(db: Database, settings: Settings, tmp_path: Path) -> None:
    """A backup, more writes, a restore: the chain and every stored file verify."""
    await seeded(db, settings)
    manifest = await backup(settings, tmp_path / "backup")
    assert manifest.audit_seq > 0
    assert (tmp_path / "backup" / MANIFEST).is_file()
    await more_events(db, 3)
    await db.dispose()

    restore(settings, tmp_path / "backup", force=True)
    report, rollback = await chain_and_anchor_report(settings)
    assert report.ok and report.checked == manifest.audit_seq
    assert rollback == ""  # nothing was anchored after the backup
    storage = await verify_storage(db.read, store_for(settings.database_url, settings.data_dir))
    assert storage.ok, storage.problems
    assert storage.checked >= 6


async def older_backup_reported_as_rollback(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    """An older backup restored after the head was anchored: `audit verify` says so."""
    await seeded(db, settings)
    older = await backup(settings, tmp_path / "older")
    await more_events(db, 5)
    async with db.read() as session:
        anchor = await anchor_head(session, anchor_path(settings))
    assert anchor is not None and anchor.seq == older.audit_seq + 5
    await db.dispose()

    restore(settings, tmp_path / "older", force=True)
    report, rollback = await chain_and_anchor_report(settings)
    assert report.ok, "the older chain is intact in itself"
    assert f"anchored at #{anchor.seq}" in rollback
    assert "rolled back" in rollback
    assert read_anchors(anchor_path(settings))[-1] == anchor, "a restore keeps the anchors"
