"""The public page's verification as a job for a worker process (``ecabinet.workers``):
a hostile upload then costs at most one worker's memory limit and time budget."""

from __future__ import annotations

import asyncio
from pathlib import Path

from .findings import Report
from .verify import load_trust_roots, verify_pdf


def verify_upload(data: bytes, trust_file: str, name: str) -> Report:
    roots = load_trust_roots([Path(trust_file)]) if trust_file else []
    return asyncio.run(verify_pdf(data, trust_roots=roots, file_name=name))
