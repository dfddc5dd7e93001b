"""Content-addressed storage of document bytes, keyed by SHA-256.

The same file uploaded twice is stored once. Two backends behind one interface: a
directory (the embedded default) and the database (production, where several server
machines must see the same bytes and keep no local state). Both take a file on disk and
hand bytes back a piece at a time, so no upload or download is ever held whole in memory.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Protocol

import anyio
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..errors import NotFound
from ..models import BlobChunk, StoredBlob

# Pieces of this size are read, written and (in the database) stored at a time.
CHUNK_BYTES = 1 << 20
# Each read of a file is a hop to a worker thread: larger reads, fewer hops.
READ_BYTES = 1 << 18

Reads = Callable[[], AbstractAsyncContextManager[AsyncSession]]


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class BlobStore(Protocol):
    async def put_file(self, db: AsyncSession, path: Path, sha256: str) -> bool:
        """Store the file (which the store may move away); True when it was not held yet."""

    async def put(self, db: AsyncSession, data: bytes) -> str:
        """Store small bytes (generated documents); returns their SHA-256."""

    async def size_of(self, reads: Reads, sha256: str) -> int: ...

    def stream(self, reads: Reads, sha256: str, start: int, end: int) -> AsyncIterator[bytes]:
        """The bytes from ``start`` up to (not including) ``end``."""

    def local_copy(self, reads: Reads, sha256: str) -> AbstractAsyncContextManager[Path]:
        """A path to the bytes for libraries that need a file (PDF rendering, watermarks)."""


def _missing(sha256: str) -> NotFound:
    return NotFound("The stored file %(sha)s is missing.", sha=sha256[:12])


class DirectoryStore:
    """Files under ``root/ab/abcdef...``. A new blob arrives under a temporary name and is
    renamed into place, so a crash never leaves a half-written file under its final name."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_of(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    async def put_file(self, db: AsyncSession, path: Path, sha256: str) -> bool:
        final = anyio.Path(self.path_of(sha256))
        if await final.exists():
            return False
        await final.parent.mkdir(parents=True, exist_ok=True)
        await anyio.to_thread.run_sync(_move_durably, path, Path(final))
        return True

    async def put(self, db: AsyncSession, data: bytes) -> str:
        digest = sha256_hex(data)
        await anyio.Path(self.root).mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=self.root, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            await self.put_file(db, Path(temporary), digest)
        finally:
            await anyio.Path(temporary).unlink(missing_ok=True)
        return digest

    async def size_of(self, reads: Reads, sha256: str) -> int:
        try:
            return (await anyio.Path(self.path_of(sha256)).stat()).st_size
        except FileNotFoundError as exc:
            raise _missing(sha256) from exc

    async def stream(self, reads: Reads, sha256: str, start: int, end: int) -> AsyncIterator[bytes]:
        async with await anyio.open_file(self.path_of(sha256), "rb") as handle:
            await handle.seek(start)
            remaining = end - start
            while remaining > 0:
                piece = await handle.read(min(READ_BYTES, remaining))
                if not piece:
                    return
                remaining -= len(piece)
                yield piece

    @asynccontextmanager
    async def local_copy(self, reads: Reads, sha256: str) -> AsyncIterator[Path]:
        path = self.path_of(sha256)
        if not await anyio.Path(path).exists():
            raise _missing(sha256)
        yield path


def _move_durably(source: Path, final: Path) -> None:
    """Rename into place; across file systems, copy to a temporary name beside it first."""
    try:
        os.replace(source, final)
        return
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
    fd, temporary = tempfile.mkstemp(dir=final.parent, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as target, source.open("rb") as origin:
            shutil.copyfileobj(origin, target, CHUNK_BYTES)
            target.flush()
            os.fsync(target.fileno())
        os.replace(temporary, final)
    finally:
        Path(temporary).unlink(missing_ok=True)


class DatabaseStore:
    """Bytes in ``stored_blob`` and ``blob_chunk``, written inside the caller's transaction,
    so a refused or failed upload leaves nothing behind on any server."""

    async def put_file(self, db: AsyncSession, path: Path, sha256: str) -> bool:
        if await db.get(StoredBlob, sha256) is not None:
            return False
        try:
            # A savepoint: another server storing the same file at the same moment makes
            # this insert fail, and then the blob is simply already there.
            async with db.begin_nested():
                await self._insert(db, path, sha256)
        except IntegrityError:
            return False
        return True

    async def _insert(self, db: AsyncSession, path: Path, sha256: str) -> None:
        size = (await anyio.Path(path).stat()).st_size
        db.add(StoredBlob(sha256=sha256, size=size, chunk_size=CHUNK_BYTES))
        await db.flush()
        async with await anyio.open_file(path, "rb") as handle:
            seq = 0
            # A plain INSERT per chunk: nothing stays in the session, one chunk in memory.
            while piece := await handle.read(CHUNK_BYTES):
                await db.exec(sa.insert(BlobChunk).values(sha256=sha256, seq=seq, data=piece))
                seq += 1

    async def put(self, db: AsyncSession, data: bytes) -> str:
        digest = sha256_hex(data)
        fd, temporary = tempfile.mkstemp(prefix="ecabinet-blob-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            await self.put_file(db, Path(temporary), digest)
        finally:
            await anyio.Path(temporary).unlink(missing_ok=True)
        return digest

    async def size_of(self, reads: Reads, sha256: str) -> int:
        async with reads() as db:
            blob = await db.get(StoredBlob, sha256)
        if blob is None:
            raise _missing(sha256)
        return blob.size

    async def stream(self, reads: Reads, sha256: str, start: int, end: int) -> AsyncIterator[bytes]:
        if end <= start:
            return
        first, last = start // CHUNK_BYTES, (end - 1) // CHUNK_BYTES
        for seq in range(first, last + 1):
            # A connection per chunk, given back before the chunk goes out: a tablet on a
            # slow link must not hold one of the pool's few connections for its whole
            # download (50 tablets fetching their packets held them all, and the next
            # request's session lookup waited past the pool's timeout: a 503). A blob is
            # immutable, named by its hash, so its chunks need no common snapshot.
            async with reads() as db:
                data = (
                    await db.exec(
                        select(BlobChunk.data).where(
                            BlobChunk.sha256 == sha256, col(BlobChunk.seq) == seq
                        )
                    )
                ).first()
            if data is None:
                raise _missing(sha256)
            base = seq * CHUNK_BYTES
            yield data[max(start - base, 0) : min(end - base, len(data))]

    @asynccontextmanager
    async def local_copy(self, reads: Reads, sha256: str) -> AsyncIterator[Path]:
        size = await self.size_of(reads, sha256)
        fd, temporary = tempfile.mkstemp(prefix="ecabinet-copy-")
        path = Path(temporary)
        try:
            with os.fdopen(fd, "wb") as handle:
                async for piece in self.stream(reads, sha256, 0, size):
                    handle.write(piece)
            yield path
        finally:
            await anyio.Path(path).unlink(missing_ok=True)


def store_for(database_url: str, data_dir: Path) -> BlobStore:
    if database_url.startswith("sqlite"):
        return DirectoryStore(data_dir / "blobs")
    return DatabaseStore()
