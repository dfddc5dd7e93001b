"""Content-addressed storage of document bytes, keyed by SHA-256.

The same file uploaded twice is stored once. Two backends behind one interface: a
directory (the embedded default) and the database (production, where several server
machines must see the same bytes and keep no local state).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Protocol

from sqlmodel.ext.asyncio.session import AsyncSession

from ..errors import NotFound
from ..models import StoredBlob


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class BlobStore(Protocol):
    async def put(self, session: AsyncSession, data: bytes) -> str: ...

    async def get(self, session: AsyncSession, sha256: str) -> bytes: ...


class DirectoryStore:
    """Files under ``root/ab/cdef...``; written to a temporary name, then renamed, so a
    crash never leaves a half-written blob under its final name."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_of(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    async def put(self, session: AsyncSession, data: bytes) -> str:
        digest = sha256_hex(data)
        final = self.path_of(digest)
        if final.exists():
            return digest
        final.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=final.parent, prefix=".incoming-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, final)
        return digest

    async def get(self, session: AsyncSession, sha256: str) -> bytes:
        path = self.path_of(sha256)
        if not path.exists():
            raise NotFound("The stored file %(sha)s is missing.", sha=sha256[:12])
        return path.read_bytes()


class DatabaseStore:
    """Bytes in the ``stored_blob`` table, inside the caller's transaction."""

    async def put(self, session: AsyncSession, data: bytes) -> str:
        digest = sha256_hex(data)
        if await session.get(StoredBlob, digest) is None:
            session.add(StoredBlob(sha256=digest, size=len(data), data=data))
            await session.flush()
        return digest

    async def get(self, session: AsyncSession, sha256: str) -> bytes:
        blob = await session.get(StoredBlob, sha256)
        if blob is None:
            raise NotFound("The stored file %(sha)s is missing.", sha=sha256[:12])
        return blob.data


def store_for(database_url: str, data_dir: Path) -> BlobStore:
    if database_url.startswith("sqlite"):
        return DirectoryStore(data_dir / "blobs")
    return DatabaseStore()
