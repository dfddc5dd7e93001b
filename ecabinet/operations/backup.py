"""`ecabinet backup DIR` and `ecabinet restore DIR`.

A backup holds the database (SQLite through its online backup API, so a running server's
committed writes, including those still in the WAL, are in it; PostgreSQL through
pg_dump's consistent snapshot), the data directory (stored documents, the generated
session secret, the demo's signing material) and a manifest with the SHA-256 of each file.

The database is copied first and the data directory after it: stored files are
content-addressed and never rewritten, so every file the copied database refers to is
already on disk when the directory is copied.

The audit anchors are deliberately not in a backup and a restore never touches them: they
are what lets `ecabinet audit verify` notice that an older backup was restored.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import anyio
from sqlalchemy.engine import URL, make_url
from sqlmodel import select

from ..db import Database
from ..errors import ConfigurationError
from ..models import AuditHead, utcnow
from ..settings import Settings
from .anchors import anchor_path
from .manifest import MANIFEST, FileEntry, Manifest, describe, mismatches

SQLITE_COPY = "database.sqlite"
PG_DUMP = "database.pgdump"
DATA = "data"
# Never part of a backup: the live database files (copied through the backup API
# instead) and uploads still being received.
_SKIPPED_NAMES = {"incoming"}
_SQLITE_SUFFIXES = ("", "-wal", "-shm", "-journal")


@dataclass(frozen=True)
class RestoreResult:
    manifest: Manifest
    replaced_database: bool


def sqlite_file(settings: Settings) -> Path | None:
    if not settings.is_sqlite:
        return None
    database = make_url(settings.database_url).database
    return Path(database).resolve() if database else None


async def backup(settings: Settings, target: Path) -> Manifest:
    database = sqlite_file(settings)
    # Checked before connecting: connecting would create an empty database file.
    if database is not None and not await anyio.Path(database).exists():
        raise ConfigurationError(
            f"{database} does not exist: nothing to back up (set "
            "ECABINET_DATA_DIR or ECABINET_DATABASE_URL)"
        )
    seq, digest = await _audit_head(settings)
    return await anyio.to_thread.run_sync(_write_backup, settings, target, seq, digest)


def _write_backup(settings: Settings, target: Path, seq: int, digest: str) -> Manifest:
    if target.exists() and any(target.iterdir()):
        raise ConfigurationError(f"{target} is not empty; a backup goes into a new directory")
    target.mkdir(parents=True, exist_ok=True)
    notes: list[str] = []
    entries: list[FileEntry] = []
    database = sqlite_file(settings)
    if database is not None:
        _sqlite_online_copy(database, target / SQLITE_COPY)
        entries.append(describe(target, SQLITE_COPY))
    else:
        _pg_dump(settings.database_url, target / PG_DUMP)
        entries.append(describe(target, PG_DUMP))
        notes.append("Stored documents are inside the PostgreSQL dump.")
    skip = {anchor_path(settings).resolve()}
    if database is not None:
        skip |= {Path(f"{database}{suffix}") for suffix in _SQLITE_SUFFIXES}
    for relative in _data_files(settings.data_dir, skip):
        destination = target / DATA / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(settings.data_dir / relative, destination)
        entries.append(describe(target, f"{DATA}/{relative.as_posix()}"))
    for key in _signing_files_outside(settings):
        notes.append(f"Not included, keep it in your key custody: {key}")
    manifest = Manifest(
        created_at=utcnow().isoformat(timespec="seconds"),
        database="sqlite" if database is not None else "postgresql",
        audit_seq=seq,
        audit_hash=digest,
        files=tuple(entries),
        notes=tuple(notes),
    )
    (target / MANIFEST).write_text(manifest.to_json(), encoding="utf-8")
    return manifest


def read_manifest(source: Path) -> Manifest:
    path = source / MANIFEST
    if not path.is_file():
        raise ConfigurationError(f"{source} holds no {MANIFEST}: it is not an e-Cabinet backup")
    try:
        return Manifest.from_json(path.read_text(encoding="utf-8"))
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigurationError(f"{path} cannot be read: {exc}") from exc


def restore(settings: Settings, source: Path, *, force: bool) -> RestoreResult:
    manifest = read_manifest(source)
    problems = mismatches(source, manifest)
    if problems:
        raise ConfigurationError(
            "the backup is damaged, nothing was restored: " + "; ".join(problems)
        )
    database = sqlite_file(settings)
    if (manifest.database == "sqlite") != (database is not None):
        raise ConfigurationError(
            f"this backup is of a {manifest.database} database, but "
            f"ECABINET_DATABASE_URL points at another kind"
        )
    replaced = False
    if database is not None:
        if database.exists() and not force:
            raise ConfigurationError(
                f"{database} already exists; stop the server and pass "
                "--force to replace it with the backup"
            )
        replaced = database.exists()
        _replace_sqlite(source / SQLITE_COPY, database)
    else:
        _pg_restore(settings.database_url, source / PG_DUMP)
        replaced = True
    data = source / DATA
    for entry in manifest.files:
        if entry.path.startswith(f"{DATA}/"):
            relative = Path(entry.path).relative_to(DATA)
            destination = settings.data_dir / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(data / relative, destination)
    return RestoreResult(manifest=manifest, replaced_database=replaced)


async def _audit_head(settings: Settings) -> tuple[int, str]:
    db = Database(settings.database_url)
    try:
        async with db.read() as session:
            head = (await session.exec(select(AuditHead).where(AuditHead.id == 1))).first()
    finally:
        await db.dispose()
    return (head.seq, head.hash) if head is not None else (0, "")


def _sqlite_online_copy(database: Path, destination: Path) -> None:
    if not database.exists():
        raise ConfigurationError(f"{database} does not exist: nothing to back up")
    # The backup API copies a consistent snapshot page by page while the server keeps
    # writing; copying the file alone would miss what is still in the WAL.
    source = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    target = sqlite3.connect(destination)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


def _replace_sqlite(copy: Path, database: Path) -> None:
    database.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=database.parent, prefix=".restoring-")
    os.close(fd)
    shutil.copyfile(copy, temporary)
    for suffix in _SQLITE_SUFFIXES[1:]:
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    os.replace(temporary, database)


def _data_files(root: Path, skip: set[Path]) -> list[Path]:
    found: list[Path] = []
    if not root.exists():
        return found
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if relative.parts[0] in _SKIPPED_NAMES or path.name.startswith(".incoming-"):
            continue
        if path.is_file() and path.resolve() not in skip:
            found.append(relative)
    return found


def _signing_files_outside(settings: Settings) -> list[str]:
    keys = (settings.minutes_secretary_key, settings.minutes_chair_key)
    data_dir = settings.data_dir.resolve()
    return [key for key in keys if key and data_dir not in Path(key).resolve().parents]


def _pg_arguments(url: URL) -> tuple[list[str], dict[str, str]]:
    arguments = [
        "--host",
        url.host or "127.0.0.1",
        "--port",
        str(url.port or 5432),
        "--username",
        url.username or "postgres",
        "--no-password",
    ]
    environment = dict(os.environ)
    if url.password:
        environment["PGPASSWORD"] = str(url.password)
    return arguments, environment


def _pg_dump(database_url: str, destination: Path) -> None:
    url = make_url(database_url)
    arguments, environment = _pg_arguments(url)
    _run(
        [
            "pg_dump",
            *arguments,
            "--format=custom",
            "--no-owner",
            f"--file={destination}",
            url.database or "postgres",
        ],
        environment,
    )


def _pg_restore(database_url: str, dump: Path) -> None:
    url = make_url(database_url)
    arguments, environment = _pg_arguments(url)
    _run(
        [
            "pg_restore",
            *arguments,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            f"--dbname={url.database or 'postgres'}",
            str(dump),
        ],
        environment,
    )


def _run(command: list[str], environment: dict[str, str]) -> None:
    if shutil.which(command[0]) is None:
        raise ConfigurationError(f"{command[0]} is not installed (Debian: postgresql-client)")
    # The command is pg_dump/pg_restore with arguments from the operator's own settings.
    finished = subprocess.run(  # noqa: S603
        command,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    if finished.returncode != 0:
        raise ConfigurationError(f"{command[0]} failed: {finished.stderr.strip()}")
