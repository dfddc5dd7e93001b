"""Both blob stores behind one interface: files in, pieces out, each content once."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from ecabinet.db import Database
from ecabinet.documents.storage import (
    CHUNK_BYTES,
    BlobStore,
    DatabaseStore,
    DirectoryStore,
    store_for,
)
from ecabinet.errors import NotFound


@pytest.fixture(params=["directory", "database"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    if request.param == "directory":
        return DirectoryStore(tmp_path / "blobs")
    return DatabaseStore()


def _staged(tmp_path: Path, data: bytes) -> tuple[Path, str]:
    path = tmp_path / f"staged-{len(data)}"
    path.write_bytes(data)
    return path, hashlib.sha256(data).hexdigest()


async def _collect(store: BlobStore, db: Database, sha: str, start: int, end: int) -> bytes:
    return b"".join([piece async for piece in store.stream(db.read, sha, start, end)])


async def test_files_in_and_ranges_out(store: BlobStore, db: Database, tmp_path: Path) -> None:
    data = os.urandom(2 * CHUNK_BYTES + 12345)
    path, sha = _staged(tmp_path, data)
    async with db.transaction() as tx:
        assert await store.put_file(tx.session, path, sha) is True
    assert await store.size_of(db.read, sha) == len(data)
    for start, end in [
        (0, len(data)),
        (0, 10),
        (CHUNK_BYTES - 5, CHUNK_BYTES + 5),
        (len(data) - 7, len(data)),
        (2 * CHUNK_BYTES, 2 * CHUNK_BYTES + 1),
    ]:
        assert await _collect(store, db, sha, start, end) == data[start:end], (start, end)
    async with store.local_copy(db.read, sha) as copy:
        assert copy.read_bytes() == data


async def test_the_same_content_is_kept_once(
    store: BlobStore, db: Database, tmp_path: Path
) -> None:
    path, sha = _staged(tmp_path, b"%PDF-1.7 the same bytes")
    async with db.transaction() as tx:
        assert await store.put_file(tx.session, path, sha) is True
    again, _ = _staged(tmp_path, b"%PDF-1.7 the same bytes")
    async with db.transaction() as tx:
        assert await store.put_file(tx.session, again, sha) is False
    assert await _collect(store, db, sha, 0, 100) == b"%PDF-1.7 the same bytes"


async def test_a_rolled_back_database_blob_is_gone(db: Database, tmp_path: Path) -> None:
    store = DatabaseStore()
    path, sha = _staged(tmp_path, b"never committed")
    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            await store.put_file(tx.session, path, sha)
            raise RuntimeError("the version could not be recorded")
    with pytest.raises(NotFound):
        await store.size_of(db.read, sha)


async def test_missing_blobs_are_not_found(store: BlobStore, db: Database) -> None:
    with pytest.raises(NotFound):
        await store.size_of(db.read, "0" * 64)


def test_the_embedded_default_is_a_directory(tmp_path: Path) -> None:
    assert isinstance(store_for("sqlite+aiosqlite:///x.db", tmp_path), DirectoryStore)
    assert isinstance(store_for("postgresql+asyncpg://db/x", tmp_path), DatabaseStore)
