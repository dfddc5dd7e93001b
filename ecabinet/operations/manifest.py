"""The manifest of a backup: every file it holds, with its size and SHA-256.

A restore reads the manifest first and refuses a backup whose files do not match it, so
a backup damaged in transit or on the shelf is found before it replaces anything.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"
FORMAT = 1


@dataclass(frozen=True)
class FileEntry:
    path: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    created_at: str
    database: str  # "sqlite" or "postgresql"
    audit_seq: int
    audit_hash: str
    files: tuple[FileEntry, ...]
    format: int = FORMAT
    notes: tuple[str, ...] = field(default=())

    def to_json(self) -> str:
        record: dict[str, Any] = asdict(self)
        return json.dumps(record, indent=2, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        raw = json.loads(text)
        if raw.get("format") != FORMAT:
            raise ValueError(f"unknown backup format {raw.get('format')!r}")
        files = tuple(FileEntry(**entry) for entry in raw["files"])
        return cls(
            created_at=raw["created_at"],
            database=raw["database"],
            audit_seq=int(raw["audit_seq"]),
            audit_hash=raw["audit_hash"],
            files=files,
            notes=tuple(raw.get("notes", ())),
        )


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while piece := handle.read(1 << 20):
            digest.update(piece)
    return digest.hexdigest()


def describe(root: Path, relative: str) -> FileEntry:
    path = root / relative
    return FileEntry(path=relative, size=path.stat().st_size, sha256=file_sha256(path))


def mismatches(root: Path, manifest: Manifest) -> list[str]:
    """Each file of the manifest that is missing or differs, in words."""
    problems = []
    for entry in manifest.files:
        path = root / entry.path
        if not path.is_file():
            problems.append(f"{entry.path} is missing")
        elif path.stat().st_size != entry.size or file_sha256(path) != entry.sha256:
            problems.append(f"{entry.path} does not match its SHA-256 in the manifest")
    return problems
