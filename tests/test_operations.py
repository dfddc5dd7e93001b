"""What an operator relies on: backups that hold every acknowledged write, restores that
refuse damaged backups and report a rollback, storage and connection checks."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from ecabinet.db import Database
from ecabinet.documents.storage import store_for
from ecabinet.errors import ConfigurationError
from ecabinet.operations.backup import backup, restore, sqlite_file
from ecabinet.operations.commands import chain_and_anchor_report
from ecabinet.operations.connections import ConnectionBudget
from ecabinet.operations.manifest import MANIFEST
from ecabinet.operations.storage_check import verify_storage
from ecabinet.settings import Settings

from .support.operations import more_events, seeded


async def test_a_damaged_backup_is_refused_before_anything_is_replaced(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    await seeded(db, settings)
    manifest = await backup(settings, tmp_path / "backup")
    blob = (
        next(
            e.path
            for e in manifest.files
            if e.path.startswith("data/") and "session_secret" not in e.path
        )
        if settings.is_sqlite
        else manifest.files[0].path
    )
    damaged = tmp_path / "backup" / blob
    damaged.write_bytes(damaged.read_bytes()[:-1] + b"!")
    await more_events(db, 2)
    with pytest.raises(ConfigurationError, match="damaged") as refused:
        restore(settings, tmp_path / "backup", force=True)
    assert blob in refused.value.detail
    report, _ = await chain_and_anchor_report(settings)
    assert report.checked == manifest.audit_seq + 2, "the live database was left alone"


async def test_restore_refuses_to_replace_a_database_without_force(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    await seeded(db, settings)
    await backup(settings, tmp_path / "backup")
    if settings.is_sqlite:
        with pytest.raises(ConfigurationError, match="--force"):
            restore(settings, tmp_path / "backup", force=False)
    with pytest.raises(ConfigurationError, match="not empty"):
        await backup(settings, tmp_path / "backup")


async def test_storage_verify_names_a_missing_and_a_damaged_file(
    db: Database, settings: Settings
) -> None:
    await seeded(db, settings)
    store = store_for(settings.database_url, settings.data_dir)
    async with db.read() as session:
        from ecabinet.operations.storage_check import referenced_files

        files = sorted(await referenced_files(session))
    if settings.is_sqlite:
        blobs = settings.data_dir / "blobs"
        (blobs / files[0][:2] / files[0]).unlink()
        (blobs / files[1][:2] / files[1]).write_bytes(b"rotten")
    else:
        async with db.transaction() as tx:
            from sqlalchemy import text

            await tx.session.exec(
                text(
                    "DELETE FROM blob_chunk WHERE sha256 = :s"  # type: ignore[call-overload]
                ).bindparams(s=files[0])
            )
            await tx.session.exec(
                text(
                    "DELETE FROM stored_blob WHERE sha256 = :s"  # type: ignore[call-overload]
                ).bindparams(s=files[0])
            )
            await tx.session.exec(
                text(
                    "UPDATE blob_chunk SET data = :d WHERE sha256 = :s"  # type: ignore[call-overload]
                ).bindparams(d=b"rotten", s=files[1])
            )
    report = await verify_storage(db.read, store)
    assert not report.ok
    text_of = "\n".join(report.problems)
    assert f"{files[0][:12]} is missing" in text_of
    assert f"{files[1][:12]} is damaged" in text_of


async def test_sqlite_backup_holds_writes_still_in_the_wal(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    if not settings.is_sqlite:
        return  # PostgreSQL's dump is a snapshot by design; this is SQLite's pitfall.
    await seeded(db, settings)
    database = sqlite_file(settings)
    assert database is not None
    writer = sqlite3.connect(database)
    writer.execute("PRAGMA wal_autocheckpoint=0")
    # A write the server acknowledged: committed, but only in the WAL so far.
    writer.execute("CREATE TABLE acknowledged (position TEXT)")
    writer.execute("INSERT INTO acknowledged VALUES ('agree')")
    writer.commit()
    assert Path(f"{database}-wal").stat().st_size > 0  # noqa: ASYNC240
    naive = tmp_path / "naive.db"
    shutil.copyfile(database, naive)
    manifest = await backup(settings, tmp_path / "backup")
    writer.close()
    with sqlite3.connect(naive) as plain:
        tables = {row[0] for row in plain.execute("SELECT name FROM sqlite_master")}
    assert "acknowledged" not in tables, "copying the file alone loses the WAL's writes"
    with sqlite3.connect(tmp_path / "backup" / "database.sqlite") as copy:
        assert copy.execute("SELECT position FROM acknowledged").fetchall() == [("agree",)]
    assert (
        json.loads((tmp_path / "backup" / MANIFEST).read_text())["audit_seq"] == manifest.audit_seq
    )


def test_the_connection_budget_refuses_what_postgresql_would_refuse() -> None:
    documented = ConnectionBudget(processes=4, pool_size=5, max_overflow=5)
    assert documented.needed == 4 * 11 + 5
    assert documented.refusal(97) == ""
    old_defaults = ConnectionBudget(processes=4, pool_size=10, max_overflow=20)
    message = old_defaults.refusal(97)
    assert "4 server process(es)" in message and "= 129 connections" in message
    assert "allows 97" in message


def test_demo_accepts_a_database_made_by_db_upgrade(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ecabinet.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ECABINET_DATABASE_URL", raising=False)
    monkeypatch.setenv("ECABINET_DATA_DIR", str(tmp_path / "ecabinet-demo"))
    assert main(["db", "upgrade"]) == 0
    assert main(["demo", "--no-serve"]) == 0


def test_the_shipped_deployment_fits_postgresql_default_connections() -> None:
    import re

    env = (Path(__file__).resolve().parents[1] / "deploy" / "ecabinet.env.example").read_text()
    values = dict(
        re.findall(
            r"^ECABINET_(SERVER_PROCESSES|DB_POOL_SIZE|DB_MAX_OVERFLOW)=(\d+)",
            env,
            flags=re.MULTILINE,
        )
    )
    budget = ConnectionBudget(
        processes=int(values["SERVER_PROCESSES"]),
        pool_size=int(values["DB_POOL_SIZE"]),
        max_overflow=int(values["DB_MAX_OVERFLOW"]),
    )
    # PostgreSQL's defaults: max_connections 100, 3 reserved for superusers.
    assert budget.refusal(100 - 3) == ""
