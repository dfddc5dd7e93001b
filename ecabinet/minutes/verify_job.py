"""The public page's verification as a job for a worker process (``ecabinet.workers``):
a hostile upload then costs at most one worker's memory limit and time budget."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from ..i18n import N_
from .findings import Report, failed
from .register import RegisterError
from .register_pdf import read_register
from .verify import load_trust_roots, verify_pdf


def verify_upload(data: bytes, trust_file: str, name: str, register: bytes | None = None) -> Report:
    roots = load_trust_roots([Path(trust_file)]) if trust_file else []
    return asyncio.run(verify_with_register(data, roots, name, register))


async def verify_with_register(
    data: bytes, roots: list[Any], name: str, register: bytes | None
) -> Report:
    """The report, checking against the member key register when one is given; a register
    that cannot be used is itself a finding."""
    keys, note, refusal = None, "", ""
    if register is not None:
        try:
            keys, note = await read_register(register, trust_roots=roots)
        except RegisterError as exc:
            refusal = str(exc)
    report = await verify_pdf(data, trust_roots=roots, keys=keys, keys_note=note, file_name=name)
    if refusal:
        report.sections[0].add(
            failed(N_("The member key register cannot be used: %(why)s"), why=refusal)
        )
    return report
