"""Anchors of the audit chain kept outside the database, so a rollback is detectable.

The chain proves that nothing inside it was altered, but not that it was not cut short:
restoring last week's dump gives a chain that verifies perfectly. So the server appends
the head (sequence number and hash) to a file outside the database from time to time, and
`ecabinet audit verify` compares the chain with the newest anchor. Because each event's
hash covers everything before it, matching the newest anchor proves every older one too.

In production the file belongs on storage the database's operator cannot rewrite
(another machine, an append-only volume); each signed minutes also carries the head that
closed its session, which is a second, independent anchor.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..models import AuditEvent, AuditHead, utcnow
from ..settings import Settings


@dataclass(frozen=True)
class Anchor:
    seq: int
    hash: str
    at: str


def anchor_path(settings: Settings) -> Path:
    configured = settings.audit_anchor_file
    return Path(configured) if configured else settings.data_dir / "audit-anchors.jsonl"


def read_anchors(path: Path) -> list[Anchor]:
    if not path.exists():
        return []
    anchors = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        raw = json.loads(line)
        anchors.append(Anchor(seq=int(raw["seq"]), hash=str(raw["hash"]), at=str(raw["at"])))
    return anchors


async def anchor_head(session: AsyncSession, path: Path, *, now: datetime | None = None
                      ) -> Anchor | None:
    """Append the current head unless it is already the newest anchor; the new anchor."""
    head = (await session.exec(select(AuditHead).where(AuditHead.id == 1))).first()
    if head is None or head.seq == 0:
        return None
    known = read_anchors(path)
    if known and (known[-1].seq, known[-1].hash) == (head.seq, head.hash):
        return None
    anchor = Anchor(seq=head.seq, hash=head.hash,
                    at=(now or utcnow()).isoformat(timespec="seconds"))
    _append_line(path, json.dumps(anchor.__dict__, sort_keys=True))
    return anchor


def _append_line(path: Path, line: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # One write() of one short line with O_APPEND: processes appending at once never
    # interleave inside a line.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
    try:
        os.write(fd, (line + "\n").encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)


async def rollback_problem(session: AsyncSession, chain_length: int, anchors: list[Anchor]
                           ) -> str:
    """Why the chain contradicts the newest anchor, in words; empty when it does not."""
    if not anchors:
        return ""
    newest = anchors[-1]
    if chain_length < newest.seq:
        return (f"the log ends at event #{chain_length} but its head was anchored at "
                f"#{newest.seq} on {newest.at}: the database was rolled back or cut short")
    found = (await session.exec(select(AuditEvent.hash).where(AuditEvent.seq == newest.seq))
             ).first()
    if found != newest.hash:
        return (f"event #{newest.seq} no longer has the hash anchored on {newest.at}: the "
                "history before it was rewritten")
    return ""
