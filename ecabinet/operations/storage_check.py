"""`ecabinet storage verify`: every stored file the database refers to is there, whole.

A restore that forgot the blob directory, a disk that lost a file, or bytes that rotted
are found here, by name, instead of by a member opening an empty document.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..documents.storage import BlobStore
from ..errors import NotFound
from ..models import DocumentVersion, Minutes

Reads = Callable[[], AbstractAsyncContextManager[AsyncSession]]

# The stored PDFs of the minutes; the evidence is inside them, not stored on its own.
_MINUTES_FILES = (
    "draft_sha256",
    "secretary_sha256",
    "signed_sha256",
    "notice_draft_sha256",
    "notice_secretary_sha256",
    "notice_signed_sha256",
)


@dataclass
class StorageReport:
    checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


async def referenced_files(db: AsyncSession) -> dict[str, str]:
    """SHA-256 → what refers to it (the first referrer, for the report)."""
    wanted: dict[str, str] = {}
    versions = await db.exec(select(DocumentVersion))
    for version in versions:
        wanted.setdefault(
            version.sha256,
            f"document {version.document_id} version {version.number} ({version.filename})",
        )
    for minutes in await db.exec(select(Minutes)):
        for name in _MINUTES_FILES:
            digest = getattr(minutes, name)
            if digest:
                wanted.setdefault(
                    digest,
                    f"minutes of meeting {minutes.meeting_id} ({name.removesuffix('_sha256')})",
                )
    return wanted


async def verify_storage(reads: Reads, store: BlobStore) -> StorageReport:
    async with reads() as db:
        wanted = await referenced_files(db)
    report = StorageReport()
    for digest, referrer in sorted(wanted.items(), key=lambda pair: pair[1]):
        report.checked += 1
        try:
            actual = await _hash_of(
                store.stream(reads, digest, 0, await store.size_of(reads, digest))
            )
        except (NotFound, FileNotFoundError):
            report.problems.append(f"{referrer}: the stored file {digest[:12]} is missing")
            continue
        if actual != digest:
            report.problems.append(
                f"{referrer}: the stored file {digest[:12]} is damaged "
                f"(its bytes hash to {actual[:12]})"
            )
    return report


async def _hash_of(pieces: AsyncIterator[bytes]) -> str:
    digest = hashlib.sha256()
    async for piece in pieces:
        digest.update(piece)
    return digest.hexdigest()
