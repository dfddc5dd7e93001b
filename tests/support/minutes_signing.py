"""Signing a closed session's minutes as the officials do (each signed in on their own
client, their own passkey over each step), and reading the signatures back with poppler."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx

from .factories import csrf_header, sign_in
from .minutes import ClosedSession


async def person_client(
    client: httpx.AsyncClient, session: ClosedSession, person_id: int
) -> httpx.AsyncClient:
    other = httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url))
    response = await sign_in(other, session.devices[person_id])
    assert response.status_code in (200, 201), response.text
    other.headers.update(await csrf_header(other))
    return other


async def sign_step(
    official: httpx.AsyncClient, session: ClosedSession, person_id: int, role: str
) -> httpx.Response:
    """One signing step as a browser does it: options for the step, the signer's own passkey
    over them, then the signature."""
    url = f"/api/meetings/{session.meeting_id}/minutes/signatures"
    options = await official.post(f"{url}/options", json={"as": role})
    if options.status_code != 200:
        return options
    return await official.post(
        url, json={"as": role, "credential": session.devices[person_id].assert_(options.json())}
    )


def pdfsig(pdf: bytes, ca: Path, tmp_path: Path) -> str:
    """poppler's pdfsig, trusting ``ca`` through an NSS database of its own."""
    nss = tmp_path / "nss"
    nss.mkdir()
    subprocess.run(["certutil", "-N", "-d", f"sql:{nss}", "--empty-password"], check=True)
    subprocess.run(
        [
            "certutil",
            "-A",
            "-d",
            f"sql:{nss}",
            "-n",
            "ecabinet-demo-ca",
            "-t",
            "CT,C,C",
            "-i",
            str(ca),
        ],
        check=True,
    )
    path = tmp_path / "signed.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdfsig", "-nssdir", f"sql:{nss}", str(path)], capture_output=True, text=True
    ).stdout
