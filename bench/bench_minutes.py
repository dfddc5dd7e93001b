"""Rendering the minutes of a large session: 30 debated items, 30 open votes of 27 members.

The session is written into a fresh SQLite database with real passkey-signed ballots (the
software authenticator), then timed, several times each:
- collect: reading everything the minutes say from the database;
- render: laying out the PDF with reportlab (Vietnamese, charts, roll calls);
- prepare: the evidence file (810 ballots) and the two empty signature fields (pyHanko);
- sign: the secretary's (with the chair's passkey approval of the draft attached) then the
  chair's PAdES signature (EC P-256, demo CA);
- register: publishing the body's member key register (a signed PDF);
- verify: ``ecabinet minutes verify --keys REGISTER`` on the signed file (the register's
  signature, both signatures, difference analysis, the approval, 810 ballot signatures
  each checked against the register, 30 recounts). It must pass, or the bench fails.
The target is "render the minutes in under 2 s": collect + render + prepare.

    python bench/bench_minutes.py [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlmodel import select  # noqa: E402

from ecabinet.actions.key_register import export_register  # noqa: E402
from ecabinet.db import Database  # noqa: E402
from ecabinet.migrate import upgrade  # noqa: E402
from ecabinet.minutes import evidence, pdfdoc  # noqa: E402
from ecabinet.minutes.ca import prepare_demo_signing  # noqa: E402
from ecabinet.minutes.collect import collect  # noqa: E402
from ecabinet.minutes.register_pdf import read_register  # noqa: E402
from ecabinet.minutes.render import (  # noqa: E402
    CHAIR_FIELD,
    EvidenceSummary,
    render_minutes,
)
from ecabinet.minutes.verify import load_trust_roots, verify_pdf  # noqa: E402
from ecabinet.models import PasskeyCredential  # noqa: E402
from ecabinet.settings import load_settings  # noqa: E402
from tests.support.minutes import build_closed_session  # noqa: E402
from tests.support.minutes_tamper import approve, sign_both  # noqa: E402


async def timed(runs: int, step: Callable[[], Awaitable[Any]]) -> tuple[list[float], Any]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = await step()
        times.append(time.perf_counter() - start)
    return times, result


async def main(runs: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as directory:
        work = Path(directory)
        signing = prepare_demo_signing(
            work / "signing",
            secretary_name="Thư ký",
            chair_name="Chủ tọa",
            organization="Chính phủ",
        )
        settings = replace(
            load_settings(
                environ={},
                database_url=f"sqlite+aiosqlite:///{work}/b.db",
                data_dir=str(work / "data"),
                origin="http://localhost:8000",
                session_secret="bench-" + "x" * 40,
            ),
            minutes_secretary_key=str(signing.secretary.key_file),
            minutes_secretary_passphrase_file=str(signing.secretary.passphrase_file),
            minutes_chair_key=str(signing.chair.key_file),
            minutes_chair_passphrase_file=str(signing.chair.passphrase_file),
        )
        db = Database(settings.database_url)
        await upgrade(db.engine)
        session = await build_closed_session(db, settings, big=True)

        async def do_collect() -> Any:
            async with db.read() as read:
                return await collect(
                    read,
                    settings,
                    session.meeting_id,
                    secretary_membership_id=session.secretary_membership_id,
                )

        collect_times, record = await timed(runs, do_collect)
        proof = evidence.evidence_of(record)
        proof_bytes = evidence.to_bytes(proof)
        summary = EvidenceSummary(
            hashlib.sha256(proof_bytes).hexdigest(), evidence.ballot_count(proof)
        )

        async def do_render() -> Any:
            return render_minutes(record, summary, locale="vi")

        render_times, laid_out = await timed(runs, do_render)

        async def do_prepare() -> bytes:
            content = evidence.to_bytes(evidence.evidence_of(record))
            return pdfdoc.prepare(
                laid_out.data,
                laid_out.fields,
                {evidence.FILE_NAME: content},
                kind=pdfdoc.MINUTES,
                lock_field=CHAIR_FIELD,
            )

        prepare_times, draft = await timed(runs, do_prepare)

        async with db.read() as read:
            chair_key = (
                await read.exec(
                    select(PasskeyCredential).where(
                        PasskeyCredential.person_id == session.chair_person_id
                    )
                )
            ).one()
        # What the server records when the chair approves the draft with a passkey.
        approval = approve(
            draft,
            session.devices[session.chair_person_id],
            chair_key.public_key_spki_pem,
            name="Chủ tọa",
        )

        async def do_sign() -> bytes:
            return await sign_both(draft, approval, signing.secretary, signing.chair)

        sign_times, signed = await timed(runs, do_sign)

        async def do_register() -> bytes:
            async with db.transaction() as tx:
                return await export_register(tx, settings, body_id=session.body_id)

        register_times, register_pdf = await timed(1, do_register)
        roots = load_trust_roots([signing.ca_certificate])

        async def do_verify() -> Any:
            keys, note = await read_register(register_pdf, trust_roots=roots)
            return await verify_pdf(signed, trust_roots=roots, keys=keys, keys_note=note)

        verify_times, report = await timed(max(1, runs // 2), do_verify)
        await db.dispose()
    assert report.ok, [f.message for f in report.problems]
    medians = {
        name: statistics.median(times)
        for name, times in (
            ("collect", collect_times),
            ("render", render_times),
            ("prepare", prepare_times),
            ("sign", sign_times),
            ("register", register_times),
            ("verify", verify_times),
        )
    }
    medians["minutes"] = medians["collect"] + medians["render"] + medians["prepare"]
    # The first rendering in a process also loads and parses the fonts.
    medians["minutes_first"] = collect_times[0] + render_times[0] + prepare_times[0]
    return {
        "machine": f"{platform.machine()}, Python {platform.python_version()}",
        "items": 30,
        "votes": len(record.votes),
        "ballots": evidence.ballot_count(proof),
        "pages": laid_out.fields[0].page + 1,
        "draft_bytes": len(draft),
        "signed_bytes": len(signed),
        "register_bytes": len(register_pdf),
        "runs": runs,
        "median_seconds": {k: round(v, 3) for k, v in medians.items()},
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    result = asyncio.run(main(parser.parse_args().runs))
    print(json.dumps(result, indent=2, ensure_ascii=False))
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / "minutes.json").write_text(
        json.dumps(result, indent=2, ensure_ascii=False) + "\n"
    )
