"""Anchors of the audit chain kept outside the database, so a rollback is detectable.

The chain proves that nothing inside it was altered, but not that it was not cut short:
restoring last week's dump gives a chain that verifies perfectly. So the server appends
the head (sequence number and hash) to a file outside the database from time to time, and
`ecabinet audit verify` compares the chain with the newest anchor. Because each event's
hash covers everything before it, matching the newest anchor proves every older one too.

In production the file belongs on storage the database's operator cannot rewrite
(another machine, an append-only volume); each signed minutes also carries the head that
closed its session, which is a second, independent anchor.

With a time-stamp authority configured (``ECABINET_AUDIT_TSA_URL``, else the minutes'
one) each anchor carries an RFC 3161 time stamp over ``ecabinet-audit-anchor/1 SEQ HASH``:
proof, from outside the server, that the chain had reached that head by that time. Root
can still delete anchors from the file (keep a copy elsewhere, or the minutes), but it
cannot make a new anchor look older, nor alter one without its stamp failing.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import logging
import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from asn1crypto import cms
from pyhanko.sign.timestamps.aiohttp_client import HTTPTimeStamper
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
from pyhanko.sign.validation.status import TimestampSignatureStatus
from pyhanko_certvalidator import ValidationContext
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..models import AuditEvent, AuditHead, Minutes, utcnow
from ..settings import Settings
from ..vocab import MinutesState

log = logging.getLogger(__name__)
SCHEDULE = "schedule"
# An anchor is stamped as it is written; more than this between the two means it was not.
STAMP_SLACK = timedelta(minutes=10)


@dataclass(frozen=True)
class Anchor:
    seq: int
    hash: str
    at: str
    # What made it: the schedule (sweeper, `ecabinet audit anchor`) or "minutes:ID", the
    # head that closed the session of those signed minutes.
    source: str = SCHEDULE
    tst: str = ""  # the RFC 3161 time-stamp token (DER ContentInfo, base64), if any

    def message(self) -> bytes:
        return anchor_message(self.seq, self.hash)


def anchor_message(seq: int, hash_: str) -> bytes:
    return f"ecabinet-audit-anchor/1 {seq} {hash_}".encode("ascii")


def anchor_stamper(settings: Settings) -> TimeStamper | None:
    url = settings.audit_tsa_url or settings.minutes_tsa_url
    return HTTPTimeStamper(url, timeout=20) if url else None


async def stamp(stamper: TimeStamper | None, seq: int, hash_: str) -> str:
    """The time-stamp token over the anchor, or "" (none configured, or the authority did
    not answer: the anchor still counts against a rollback, unstamped)."""
    if stamper is None:
        return ""
    digest = hashlib.sha256(anchor_message(seq, hash_)).digest()
    try:
        token = await stamper.async_timestamp(digest, "sha256")
    except Exception:
        log.warning("the time-stamp authority did not stamp audit anchor #%s", seq, exc_info=True)
        return ""
    return base64.b64encode(token.dump()).decode("ascii")


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
        anchors.append(
            Anchor(
                seq=int(raw["seq"]),
                hash=str(raw["hash"]),
                at=str(raw["at"]),
                source=str(raw.get("source", SCHEDULE)),
                tst=str(raw.get("tst", "")),
            )
        )
    return anchors


async def anchor_head(
    db: AsyncSession,
    path: Path,
    *,
    now: datetime | None = None,
    stamper: TimeStamper | None = None,
) -> Anchor | None:
    """Append the current head unless it is already the newest anchor; the new anchor."""
    head = (await db.exec(select(AuditHead).where(AuditHead.id == 1))).first()
    if head is None or head.seq == 0:
        return None
    known = [a for a in read_anchors(path) if a.source == SCHEDULE]
    if known and (known[-1].seq, known[-1].hash) == (head.seq, head.hash):
        return None
    anchor = Anchor(
        seq=head.seq,
        hash=head.hash,
        at=(now or utcnow()).isoformat(timespec="seconds"),
        tst=await stamp(stamper, head.seq, head.hash),
    )
    _append_line(path, json.dumps(asdict(anchor), sort_keys=True))
    return anchor


async def anchor_minutes_heads(
    db: AsyncSession, path: Path, *, stamper: TimeStamper | None = None
) -> list[Anchor]:
    """Anchor the head printed in each signed minutes not yet anchored (the event that
    closed its session): the minutes are handed out, so this head is checkable twice."""
    done = {a.source for a in read_anchors(path)}
    rows = (
        await db.exec(
            select(Minutes).where(
                Minutes.state == MinutesState.SIGNED.value, Minutes.audit_head != ""
            )
        )
    ).all()
    added = []
    for minutes in rows:
        source = f"minutes:{minutes.id}"
        if source in done:
            continue
        seq = (
            await db.exec(select(AuditEvent.seq).where(AuditEvent.hash == minutes.audit_head))
        ).first()
        if seq is None:
            continue  # not in this chain: `audit verify` and the minutes' verifier say so
        anchor = Anchor(
            seq=seq,
            hash=minutes.audit_head,
            at=utcnow().isoformat(timespec="seconds"),
            source=source,
            tst=await stamp(stamper, seq, minutes.audit_head),
        )
        _append_line(path, json.dumps(asdict(anchor), sort_keys=True))
        added.append(anchor)
    return added


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


async def rollback_problem(db: AsyncSession, chain_length: int, anchors: list[Anchor]) -> str:
    """Why the chain contradicts an anchor, in words; empty when it does not. The chain
    must reach the highest anchored event, and every anchored event must still have its
    anchored hash."""
    if not anchors:
        return ""
    highest = max(anchors, key=lambda a: a.seq)
    if chain_length < highest.seq:
        return (
            f"the log ends at event #{chain_length} but its head was anchored at "
            f"#{highest.seq} on {highest.at}: the database was rolled back or cut short"
        )
    wanted = sorted({a.seq for a in anchors})
    found: dict[int, str] = {}
    for start in range(0, len(wanted), 500):
        found.update(
            (seq, hash_)
            for seq, hash_ in (
                await db.exec(
                    select(AuditEvent.seq, AuditEvent.hash).where(
                        col(AuditEvent.seq).in_(wanted[start : start + 500])
                    )
                )
            ).all()
        )
    for anchor in sorted(anchors, key=lambda a: -a.seq):
        if found.get(anchor.seq) != anchor.hash:
            return (
                f"event #{anchor.seq} no longer has the hash anchored on {anchor.at}: the "
                "history before it was rewritten"
            )
    return ""


def _imprint(message: bytes, algorithm: str) -> bytes:
    return hashlib.new(algorithm, message).digest()


@dataclass(frozen=True)
class StampCheck:
    anchor: Anchor
    ok: bool
    detail: str  # the stamp's time when ok, else why not


async def check_stamps(anchors: list[Anchor], trust_roots: list[Any]) -> list[StampCheck]:
    """Each time-stamped anchor's token: over exactly this anchor, intact, and from an
    authority that chains to ``trust_roots``."""
    context = ValidationContext(trust_roots=trust_roots, allow_fetching=False)
    checks = []
    for anchor in anchors:
        if not anchor.tst:
            continue
        try:
            token = cms.ContentInfo.load(base64.b64decode(anchor.tst, validate=True))
            status = TimestampSignatureStatus(
                **await validate_tst_signed_data(
                    token["content"], context, functools.partial(_imprint, anchor.message())
                )
            )
        except Exception as exc:  # a damaged token is a finding, not a crash
            checks.append(StampCheck(anchor, False, f"unreadable time stamp: {exc}"[:200]))
            continue
        if not status.intact:
            checks.append(
                StampCheck(
                    anchor, False, "the time stamp is not over this anchor: the anchor was altered"
                )
            )
        elif not status.valid:
            checks.append(StampCheck(anchor, False, "the time stamp's signature is invalid"))
        elif not status.trusted:
            checks.append(
                StampCheck(
                    anchor, False, "the time stamp is not from a trusted time-stamp authority"
                )
            )
        elif _claimed_earlier(anchor, status.timestamp):
            checks.append(
                StampCheck(
                    anchor,
                    False,
                    "the anchor says it was made at "
                    f"{anchor.at} but was time-stamped only at "
                    f"{status.timestamp.isoformat(timespec='seconds')}: "
                    "it was made later than it says",
                )
            )
        else:
            checks.append(StampCheck(anchor, True, status.timestamp.isoformat(timespec="seconds")))
    return checks


def _claimed_earlier(anchor: Anchor, stamped: datetime) -> bool:
    try:
        claimed = datetime.fromisoformat(anchor.at)
    except ValueError:
        return True
    if claimed.tzinfo is None:
        claimed = claimed.replace(tzinfo=UTC)
    return stamped - claimed > STAMP_SLACK
