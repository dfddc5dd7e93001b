"""RFC 3161 time stamps on the audit chain's anchors (issue 13): a real time-stamp
authority (certomancer, as in the B-LTA tests) stamps each anchor; `ecabinet audit verify`
checks the stamps and reports a chain cut shorter than its highest anchor. The forger is
root on the server: it can roll the database back and edit the anchor file, but it cannot
get an old time stamp for a new anchor."""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from ecabinet import audit
from ecabinet.cli import cmd_audit_verify
from ecabinet.db import Database
from ecabinet.demo.seed import seed_government
from ecabinet.operations.anchors import (
    anchor_head,
    anchor_path,
    anchor_stamper,
    read_anchors,
)
from ecabinet.operations.backup import backup, restore
from ecabinet.settings import Settings

from .support.lta import Pki


async def _events(db: Database, count: int) -> None:
    async with db.transaction() as tx:
        for n in range(count):
            await audit.record(tx.session, "test.event", subject=f"event {n}")


async def verify(
    settings: Settings,
    pki: Pki,
    capsys: pytest.CaptureFixture[str],
) -> tuple[int, str]:
    args = argparse.Namespace(at=None, hash=None, tsa_trust=[str(pki.roots_file)])
    code = await cmd_audit_verify(args, settings)
    return code, capsys.readouterr().out


@pytest.fixture
async def stamped(
    db: Database,
    settings: Settings,
    pki: Pki,
    tmp_path: Path,
) -> tuple[Settings, int]:
    """Two stamped anchors, the second at the head, and a backup taken at the first
    (in ``tmp_path / "older"``); returns the first one's event."""
    settings = replace(settings, audit_tsa_url=pki.tsa_url)
    async with db.transaction() as tx:
        await seed_government(tx, settings)
    stamper = anchor_stamper(settings)
    async with db.read() as session:
        first = await anchor_head(session, anchor_path(settings), stamper=stamper)
    await backup(settings, tmp_path / "older")
    await _events(db, 5)
    async with db.read() as session:
        second = await anchor_head(session, anchor_path(settings), stamper=stamper)
    assert first is not None and second is not None and first.tst and second.tst
    return settings, first.seq


async def test_stamped_anchors_verify(
    stamped: tuple[Settings, int],
    pki: Pki,
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings, _ = stamped
    code, out = await verify(settings, pki, capsys)
    assert code == 0, out
    assert "Anchors: 2, 2 with a valid time stamp" in out, out


async def roll_back(db: Database, settings: Settings, tmp_path: Path) -> None:
    """Root restores the older backup: the chain ends at the first anchor again."""
    await db.dispose()
    restore(settings, tmp_path / "older", force=True)


async def test_a_rollback_below_the_highest_anchor_is_reported(
    db: Database,
    stamped: tuple[Settings, int],
    pki: Pki,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    settings, first = stamped
    await roll_back(db, settings, tmp_path)
    code, out = await verify(settings, pki, capsys)
    assert code == 1
    assert (
        f"ROLLED BACK: the log ends at event #{first} but its head was anchored at "
        f"#{first + 5}" in out
    ), out


async def test_an_anchor_rewritten_to_match_a_rollback_fails_its_time_stamp(
    db: Database,
    stamped: tuple[Settings, int],
    pki: Pki,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """Root rolls back and rewrites the newest anchor to the old head, keeping its stamp."""
    settings, first = stamped
    await roll_back(db, settings, tmp_path)
    path = anchor_path(settings)
    lines = path.read_text().splitlines()
    old, newest = json.loads(lines[0]), json.loads(lines[1])
    newest.update(seq=old["seq"], hash=old["hash"])
    path.write_text(lines[0] + "\n" + json.dumps(newest) + "\n")
    code, out = await verify(settings, pki, capsys)
    assert code == 1, out
    assert (
        f"✗ anchor of event #{first} (schedule, {newest['at']}): the time stamp is not "
        "over this anchor: the anchor was altered" in out
    ), out


async def test_an_anchor_backdated_in_the_file_fails_its_time_stamp(
    stamped: tuple[Settings, int],
    pki: Pki,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """An anchor that claims to be two days old, stamped today, was made today."""
    settings, _ = stamped
    path = anchor_path(settings)
    lines = path.read_text().splitlines()
    newest = json.loads(lines[1])
    newest["at"] = (datetime.fromisoformat(newest["at"]) - timedelta(days=2)).isoformat()
    path.write_text(lines[0] + "\n" + json.dumps(newest) + "\n")
    assert read_anchors(path)[1].at == newest["at"]
    code, out = await verify(settings, pki, capsys)
    assert code == 1, out
    assert "was time-stamped only at" in out and "it was made later than it says" in out, out


async def test_a_stamp_from_an_untrusted_authority_is_reported(
    stamped: tuple[Settings, int],
    pki: Pki,
    capsys: pytest.CaptureFixture[str],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    settings, _ = stamped
    from ecabinet.minutes.ca import prepare_demo_signing

    other = prepare_demo_signing(
        tmp_path_factory.mktemp("other"), secretary_name="A", chair_name="B", organization="C"
    )
    args = argparse.Namespace(at=None, hash=None, tsa_trust=[str(other.ca_certificate)])
    assert await cmd_audit_verify(args, settings) == 1
    assert "the time stamp is not from a trusted time-stamp authority" in capsys.readouterr().out
