"""Signing the minutes with keys in PKCS#12 files (the demo) and on SoftHSM2 tokens
(PKCS#11, one token per signer, keys made on the token): the secretary's then the chair's
PAdES signature on the same small draft, median of several runs each. With a token each
step opens a session with the token, logs in with the PIN, signs and logs out.

    python bench/bench_signing_keys.py [--runs 10]   (needs Debian softhsm2)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reportlab.pdfgen import canvas  # noqa: E402

from ecabinet.minutes import pdfdoc  # noqa: E402
from ecabinet.minutes.ca import prepare_demo_signing  # noqa: E402
from ecabinet.minutes.keys_pkcs11 import Pkcs11KeySource  # noqa: E402
from ecabinet.minutes.layout import FieldPlacement  # noqa: E402
from ecabinet.minutes.render import CHAIR_FIELD, SECRETARY_FIELD  # noqa: E402
from ecabinet.minutes.sign import KeySource, sign_pdf  # noqa: E402
from tests.support.softhsm import MODULE, provision  # noqa: E402


def draft(work: Path) -> bytes:
    path = work / "draft.pdf"
    page = canvas.Canvas(str(path))
    page.drawString(72, 720, "Minutes")
    page.save()
    fields = [
        FieldPlacement(SECRETARY_FIELD, 0, (72, 100, 250, 160)),
        FieldPlacement(CHAIR_FIELD, 0, (320, 100, 500, 160)),
    ]
    return pdfdoc.prepare(path.read_bytes(), fields, {}, kind="minutes", lock_field=CHAIR_FIELD)


async def both(data: bytes, secretary: KeySource, chair: KeySource) -> float:
    start = time.perf_counter()
    once = await sign_pdf(data, field=SECRETARY_FIELD, key=secretary)
    await sign_pdf(once, field=CHAIR_FIELD, key=chair)
    return time.perf_counter() - start


async def main(runs: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as directory:
        work = Path(directory)
        unsigned = draft(work)
        files = prepare_demo_signing(
            work / "files", secretary_name="Thư ký", chair_name="Chủ tọa", organization="Chính phủ"
        )
        hsm = provision(work / "softhsm", {"secretary": "Thư ký", "chair": "Chủ tọa"}, "Chính phủ")
        tokens = {
            role: Pkcs11KeySource(MODULE, t.label, t.key_label, t.pin_file)
            for role, t in hsm.tokens.items()
        }
        results = {}
        for name, secretary, chair in (
            ("pkcs12_files", files.secretary, files.chair),
            ("softhsm2_tokens", tokens["secretary"], tokens["chair"]),
        ):
            await both(unsigned, secretary, chair)  # warm-up: imports, first token load
            times = [await both(unsigned, secretary, chair) for _ in range(runs)]
            results[name] = round(statistics.median(times) * 1000, 1)
    return {
        "machine": f"{platform.machine()}, Python {platform.python_version()}",
        "runs": runs,
        "key": "EC P-256",
        "median_ms_for_both_signatures": results,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    print(json.dumps(asyncio.run(main(parser.parse_args().runs)), indent=2))
