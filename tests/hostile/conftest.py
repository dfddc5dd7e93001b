"""One real server process (`ecabinet serve`, as production runs it) for the attacks,
with small budgets so that each bound is reached in seconds; the tests talk to it over
loopback, read its memory in /proc, and read its audit log from the database."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import make_url

from ecabinet.db import Database
from ecabinet.settings import Settings, load_settings
from ecabinet.softauthn import SoftAuthenticator

from ..support import hostile_files
from ..support.database import PG_URL, on_postgres, pg_admin, run_blocking
from ..support.factories import Seat, authenticator, seat_people
from ..support.packets import make_pdf, meeting_body

# The budgets of the server under attack (ECABINET_* settings).
BUDGETS = {
    "render_timeout_seconds": 3,
    "render_workers": 2,
    "watermark_max_pages": 20,
    "verify_max_bytes": 4_000_000,
    "verify_per_minute": 3,
    "verify_timeout_seconds": 20,
    "signin_attempts_per_minute": 10,
    "ws_per_session": 2,
    "upload_max_pages": 500,
    "worker_memory_mb": 512,
}
# The server's resident memory may grow this much while it is attacked.
RSS_BUDGET_KB = 150 * 1024


@dataclass
class Member:
    client: httpx.Client
    seat: Seat
    device: SoftAuthenticator
    csrf: dict[str, str] = field(default_factory=dict)


@dataclass
class Target:
    url: str
    process: subprocess.Popen[bytes]
    settings: Settings
    members: dict[str, Member]
    pages: dict[str, str]  # name -> a page address of an uploaded document
    files: dict[str, str]  # name -> a file address
    documents: dict[str, int]  # name -> document id

    def rss_kb(self) -> int:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        line = next(x for x in status.splitlines() if x.startswith("VmRSS:"))
        return int(line.split()[1])

    def anonymous(self) -> httpx.Client:
        client = httpx.Client(base_url=self.url, timeout=60)
        client.cookies.set("ecab_lang", "en")
        return client

    def audit_kinds(self, prefix: str = "refused.") -> list[tuple[str, dict[str, Any]]]:
        return run_blocking(_audit(self.settings.database_url, prefix))


async def _audit(url: str, prefix: str) -> list[tuple[str, dict[str, Any]]]:
    from sqlmodel import col, select

    from ecabinet.models import AuditEvent

    db = Database(url)
    try:
        async with db.read() as session:
            rows = await session.exec(
                select(AuditEvent)
                .where(col(AuditEvent.kind).startswith(prefix))
                .order_by(col(AuditEvent.seq))
            )
            return [(row.kind, dict(row.data)) for row in rows.all()]
    finally:
        await db.dispose()


@pytest.fixture(scope="package")
def hostile_database(
    template_database: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if on_postgres():
        name = f"ecab_h_{uuid.uuid4().hex[:12]}"
        run_blocking(pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"'))
        yield str(make_url(PG_URL).set(database=name).render_as_string(hide_password=False))
        run_blocking(pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    else:
        path = tmp_path_factory.mktemp("hostile") / "ecabinet.db"
        shutil.copyfile(template_database, path)
        yield f"sqlite+aiosqlite:///{path}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="package")
def target(hostile_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    port = _free_port()
    data_dir = tmp_path_factory.mktemp("hostile-data")
    values = {
        "database_url": hostile_database,
        "data_dir": str(data_dir),
        "origin": f"http://localhost:{port}",
        "session_secret": "hostile-" + "x" * 40,
        "log_level": "warning",
        "sweep_seconds": 0,
        **BUDGETS,
    }
    settings = load_settings(environ={}, **values)
    env = {**os.environ, **{f"ECABINET_{k.upper()}": str(v) for k, v in values.items()}}
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from ecabinet.cli import main; sys.exit(main(sys.argv[1:]))",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env=env,
        stdin=subprocess.DEVNULL,
    )
    try:
        _wait_until_up(settings.origin, process)
        seats = run_blocking(_seat(settings))
        members = {
            role: _signed_in(settings, seats[role])
            for role in ("secretariat", "member", "chair", "observer")
        }
        pages, addresses, documents = _packet(members["secretariat"])
        yield Target(settings.origin, process, settings, members, pages, addresses, documents)
        for member in members.values():
            member.client.close()
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def _wait_until_up(origin: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, "the server exited"
        try:
            if httpx.get(f"{origin}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("the server did not answer within 60 s")


async def _seat(settings: Settings) -> dict[str, Seat]:
    db = Database(settings.database_url)
    try:
        return await seat_people(db, settings)
    finally:
        await db.dispose()


def _signed_in(settings: Settings, seat: Seat) -> Member:
    client = httpx.Client(base_url=settings.origin, timeout=60)
    client.cookies.set("ecab_lang", "en")
    device = authenticator(settings)
    options = client.post(f"/api/enrollments/{seat.token}/options", json={})
    assert options.status_code == 200, options.text
    done = client.post(
        f"/api/enrollments/{seat.token}",
        json={"credential": device.register(options.json()), "deviceName": "Máy tính bảng"},
    )
    assert done.status_code == 201, done.text
    html = client.get("/").text
    marker = '<meta name="csrf-token" content="'
    start = html.index(marker) + len(marker)
    return Member(client, seat, device, {"X-CSRF-Token": html[start : html.index('"', start)]})


def _packet(secretariat: Member) -> tuple[dict[str, str], dict[str, str], dict[str, int]]:
    """A published meeting with an ordinary document, a document that is very slow to
    draw, and a classified document too long to stamp in one download."""
    client, headers = secretariat.client, secretariat.csrf
    meeting = client.post(
        f"/api/bodies/{secretariat.seat.body_id}/meetings", json=meeting_body(), headers=headers
    )
    assert meeting.status_code == 201, meeting.text
    meeting_id = meeting.json()["id"]
    item = client.post(
        f"/api/meetings/{meeting_id}/items",
        headers=headers,
        json={"title": "Dự án Luật Thuế", "kind": "decision", "presenter": "Bộ Tài chính"},
    )
    assert item.status_code == 201, item.text
    uploads = {
        "ordinary": (make_pdf(4), "internal", ""),
        "slow": (hostile_files.slow_pdf(), "internal", ""),
        "long-classified": (make_pdf(21), "mat", "Điểm a khoản 2 Danh mục bí mật"),
    }
    pages: dict[str, str] = {}
    addresses: dict[str, str] = {}
    documents: dict[str, int] = {}
    for name, (data, level, basis) in uploads.items():
        made = client.post(
            f"/api/items/{item.json()['id']}/documents",
            headers=headers,
            files={"file": (f"{name}.pdf", data, "application/pdf")},
            data={"title": name, "classification": level, "basis": basis},
        )
        assert made.status_code == 201, made.text
        pages[name] = made.json()["pageUrl"]
        addresses[name] = made.json()["url"]
        documents[name] = made.json()["documentId"]
    published = client.post(f"/api/meetings/{meeting_id}/publish", json={}, headers=headers)
    assert published.status_code == 200, published.text
    return pages, addresses, documents
