"""The operator's commands: `ecabinet backup`, `restore`, `storage verify`, `audit anchor`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .. import audit
from ..db import Database
from ..documents.storage import store_for
from ..settings import Settings
from .anchors import (
    StampCheck,
    anchor_head,
    anchor_minutes_heads,
    anchor_path,
    anchor_stamper,
    check_stamps,
    read_anchors,
    rollback_problem,
)
from .backup import backup, restore
from .storage_check import verify_storage


def _print(*lines: str) -> None:
    for line in lines:
        print(line, flush=True)


async def cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    manifest = await backup(settings, Path(args.directory))
    _print(
        f"Backup written to {args.directory}: {len(manifest.files)} files, audit head "
        f"#{manifest.audit_seq}.",
        *manifest.notes,
    )
    return 0


async def cmd_restore(args: argparse.Namespace, settings: Settings) -> int:
    result = restore(settings, Path(args.directory), force=args.force)
    _print(
        f"Restored the backup of {result.manifest.created_at} "
        f"(audit head #{result.manifest.audit_seq})."
    )
    storage_ok = await _report_storage(settings)
    chain_ok = await _report_chain(settings)
    return 0 if storage_ok and chain_ok else 1


async def cmd_storage_verify(args: argparse.Namespace, settings: Settings) -> int:
    return 0 if await _report_storage(settings) else 1


async def cmd_audit_anchor(args: argparse.Namespace, settings: Settings) -> int:
    db = Database(settings.database_url)
    try:
        async with db.read() as session:
            stamper = anchor_stamper(settings)
            await anchor_minutes_heads(session, anchor_path(settings), stamper=stamper)
            anchor = await anchor_head(session, anchor_path(settings), stamper=stamper)
    finally:
        await db.dispose()
    if anchor is None:
        _print("The audit head is already anchored (or the log is empty).")
    else:
        stamped = ", time-stamped" if anchor.tst else ""
        _print(f"Anchored the audit head #{anchor.seq} in {anchor_path(settings)}{stamped}.")
    return 0


async def chain_and_anchor_report(settings: Settings) -> tuple[audit.ChainReport, str]:
    """The chain's own verdict and, when it is intact, whether it contradicts an anchor."""
    db = Database(settings.database_url)
    try:
        async with db.read() as session:
            report = await audit.verify_chain(session)
            rollback = (
                await rollback_problem(session, report.checked, read_anchors(anchor_path(settings)))
                if report.ok
                else ""
            )
    finally:
        await db.dispose()
    return report, rollback


async def anchor_stamp_report(settings: Settings, trust_roots: list[Any]) -> tuple[list[str], bool]:
    """Lines about the anchors' RFC 3161 time stamps, and whether all that carry one hold."""
    anchors = read_anchors(anchor_path(settings))
    stamped = sum(1 for a in anchors if a.tst)
    if stamped and not trust_roots:
        return [
            f"Anchors: {len(anchors)}, {stamped} time-stamped; the stamps are not "
            "checked: pass --tsa-trust CA.pem."
        ], True
    checks = await check_stamps(anchors, trust_roots)
    bad: list[StampCheck] = [c for c in checks if not c.ok]
    good = [c for c in checks if c.ok]
    lines = []
    if good:
        newest = max(good, key=lambda c: c.anchor.seq)
        lines.append(
            f"Anchors: {len(anchors)}, {len(good)} with a valid time stamp; the "
            f"highest, event #{newest.anchor.seq} ({newest.anchor.source}), was "
            f"time-stamped at {newest.detail}."
        )
    elif anchors:
        lines.append(f"Anchors: {len(anchors)}, none with a valid time stamp.")
    lines += [
        f"  ✗ anchor of event #{c.anchor.seq} ({c.anchor.source}, {c.anchor.at}): {c.detail}"
        for c in bad
    ]
    return lines, not bad


async def _report_chain(settings: Settings) -> bool:
    report, rollback = await chain_and_anchor_report(settings)
    if not report.ok:
        _print(f"Audit chain BROKEN at event #{report.broken_seq}: {report.problem}.")
        return False
    if rollback:
        _print(f"ROLLBACK: {rollback}.")
        return False
    _print(f"Audit chain intact: {report.checked} events, head {report.head}.")
    return True


async def _report_storage(settings: Settings) -> bool:
    db = Database(settings.database_url)
    try:
        report = await verify_storage(db.read, store_for(settings.database_url, settings.data_dir))
    finally:
        await db.dispose()
    if report.ok:
        _print(
            f"Storage intact: {report.checked} stored files, each present and matching its SHA-256."
        )
        return True
    _print(
        f"Storage DAMAGED: {len(report.problems)} of {report.checked} stored files:",
        *(f"  ✗ {problem}" for problem in report.problems),
    )
    return False


def add_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    backup_cmd = sub.add_parser(
        "backup", help="back up the database, stored files and secrets into a new directory"
    )
    backup_cmd.add_argument("directory")
    backup_cmd.set_defaults(handler=cmd_backup)
    restore_cmd = sub.add_parser(
        "restore", help="restore a backup made by `ecabinet backup` (stop the server first)"
    )
    restore_cmd.add_argument("directory")
    restore_cmd.add_argument("--force", action="store_true", help="replace an existing database")
    restore_cmd.set_defaults(handler=cmd_restore)
    storage = sub.add_parser("storage", help="stored files").add_subparsers(
        dest="storage_cmd", required=True
    )
    storage.add_parser("verify", help="check every stored file against the database").set_defaults(
        handler=cmd_storage_verify
    )
