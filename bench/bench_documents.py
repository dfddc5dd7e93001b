"""Document distribution: 50 tablets fetch a 20 MB meeting packet at the same moment.

Two real uvicorn servers on loopback, one process each, run side by side and serve the
same files; the bench alternates them (e-Cabinet, the floor, e-Cabinet revalidating;
``--repeat`` times), so the machine's other load falls on both alike:
- e-Cabinet's ``GET /api/versions/{id}/file`` (session check, clearance and recall check,
  an audit event and a "last read" row per download, ETag, Range), and
- a plain Starlette ``FileResponse`` app with no checks at all, as the floor to compare with.
A third run has the tablets revalidate the packet they already hold (If-None-Match: 304).

Each tablet fetches the packet's documents one after another over one keep-alive
connection, as a tablet syncing its packet does. Reported, as min / median / max of the
repetitions: aggregate throughput, the time until the median and the last tablet has the
whole packet, and the time to the first byte of each response (p50, p99). Everything is
bounded (timeouts, a fixed amount of work) and stops by itself; only 127.0.0.1 is used.

    python bench/bench_documents.py [--tablets 50] [--packet-mb 20] [--documents 4]
                                    [--repeat 3] [--postgres URL]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

HOST = "127.0.0.1"
RUN_TIMEOUT = 300.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def big_pdf(size: int, label: str) -> bytes:
    """A valid one-page PDF of about ``size`` bytes: incompressible bytes ride along as an
    embedded file, so the upload checks (it must parse, unencrypted) pass as for any draft."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_attachment(f"{label}.bin", os.urandom(size))
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@dataclass
class Packet:
    urls: list[str]
    cookies: list[str]
    paths: list[Path]
    total_bytes: int


async def prepare(
    data_dir: Path, database_url: str, tablets: int, packet_bytes: int, documents: int
) -> Packet:
    """A body, a secretariat and one member per tablet, each with a signed-in session; a
    published meeting whose documents add up to the packet size. The baseline serves the
    same bytes from files: on PostgreSQL they are copied out of the database first."""
    from ecabinet.actions.agenda import add_item
    from ecabinet.actions.bodies import add_member, create_body
    from ecabinet.actions.documents import add_version, create_document
    from ecabinet.actions.meetings import create_meeting, publish_meeting
    from ecabinet.auth.logins import start_login
    from ecabinet.db import Database
    from ecabinet.documents.checks import PdfLimits, check_upload
    from ecabinet.documents.storage import DirectoryStore, store_for
    from ecabinet.documents.uploads import staged_bytes
    from ecabinet.migrate import upgrade
    from ecabinet.models import Person, utcnow
    from ecabinet.settings import load_settings
    from ecabinet.vocab import Classification, ItemKind, Role

    settings = load_settings(environ={}, data_dir=str(data_dir), database_url=database_url)
    db = Database(settings.database_url)
    await upgrade(db.engine)
    store = store_for(settings.database_url, settings.data_dir)
    files = DirectoryStore(settings.data_dir / "blobs")
    cookies, urls, digests = [], [], []
    async with db.transaction() as tx:
        body = await create_body(tx, actor_id=None, slug="bench", name="Bench")
        secretary = await add_member(
            tx,
            actor_id=None,
            body=body,
            full_name="Thư ký",
            role=Role.SECRETARIAT,
            clearance=Classification.MAT,
        )
        meeting = await create_meeting(
            tx,
            actor_id=secretary.person_id,
            body=body,
            title="Phiên họp",
            starts_at=utcnow().replace(year=utcnow().year + 1),
        )
        item = await add_item(
            tx, actor_id=None, meeting=meeting, title="Nội dung", kind=ItemKind.DECISION
        )
        for number in range(documents):
            document = await create_document(
                tx,
                actor_id=None,
                body=body,
                item=item,
                title=f"Tài liệu {number + 1}",
                classification=Classification.INTERNAL,
            )
            data = big_pdf(packet_bytes // documents, f"doc{number}")
            with staged_bytes(data, f"tai-lieu-{number + 1}.pdf", settings.upload_dir) as f:
                version = await add_version(
                    tx,
                    store,
                    actor_id=None,
                    document=document,
                    checked=check_upload(f, PdfLimits.of(settings)),
                    change_note="",
                )
            urls.append(f"/api/versions/{version.id}/file")
            digests.append(version.sha256)
        await publish_meeting(tx, actor_id=None, meeting=meeting)
        for number in range(tablets):
            seat = await add_member(
                tx, actor_id=None, body=body, role=Role.MEMBER, full_name=f"Thành viên {number + 1}"
            )
            person = await tx.session.get(Person, seat.person_id)
            assert person is not None
            token = await start_login(tx.session, person, credential_id=None)
            cookies.append(f"ecab_session={token}")
    for sha in digests:
        if not files.path_of(sha).exists():
            async with store.local_copy(db.read, sha) as copy:
                files.path_of(sha).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(copy, files.path_of(sha))
    await db.dispose()
    paths = [files.path_of(sha) for sha in digests]
    return Packet(urls, cookies, paths, sum(p.stat().st_size for p in paths))


async def fetch(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    path: str,
    headers: dict[str, str],
    first_bytes: list[float],
) -> tuple[int, int]:
    """One GET over a kept-alive connection; the body is read and thrown away. The time
    until the first byte of the answer arrived goes to ``first_bytes``."""
    lines = [
        f"GET {path} HTTP/1.1",
        f"Host: {HOST}",
        *[f"{k}: {v}" for k, v in headers.items()],
        "",
        "",
    ]
    asked = time.perf_counter()
    writer.write("\r\n".join(lines).encode())
    await writer.drain()
    first = await reader.read(1)
    first_bytes.append(time.perf_counter() - asked)
    head = first + await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    remaining = length
    while remaining:
        chunk = await reader.read(min(remaining, 1 << 20))
        if not chunk:
            raise ConnectionError("the server closed the connection early")
        remaining -= len(chunk)
    return status, length


async def tablet(
    port: int,
    paths: list[str],
    headers: dict[str, str],
    start: asyncio.Event,
    first_bytes: list[float],
) -> tuple[float, int]:
    reader, writer = await asyncio.open_connection(HOST, port)
    await start.wait()
    began = time.perf_counter()
    received = 0
    for path in paths:
        status, length = await fetch(reader, writer, path, headers, first_bytes)
        if status not in (200, 304):
            raise RuntimeError(f"{path}: HTTP {status}")
        received += length
    writer.close()
    return time.perf_counter() - began, received


async def run(port: int, paths: list[str], headers: list[dict[str, str]]) -> dict[str, float]:
    start = asyncio.Event()
    first_bytes: list[float] = []
    tasks = [asyncio.create_task(tablet(port, paths, h, start, first_bytes)) for h in headers]
    await asyncio.sleep(0.2)  # every connection open, then all ask at once
    began = time.perf_counter()
    start.set()
    results = await asyncio.wait_for(asyncio.gather(*tasks), RUN_TIMEOUT)
    wall = time.perf_counter() - began
    durations = [seconds for seconds, _ in results]
    received = sum(size for _, size in results)
    first_bytes.sort()
    return {
        "wall_s": wall,
        "received_mb": received / 1e6,
        "first_byte_p50_ms": first_bytes[len(first_bytes) // 2] * 1000,
        "first_byte_p99_ms": first_bytes[int(0.99 * (len(first_bytes) - 1))] * 1000,
        "throughput_mb_s": received / 1e6 / wall,
        "p50_tablet_s": statistics.median(durations),
        "last_tablet_s": max(durations),
    }


def start_server(args: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        args, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 120  # a loaded shared machine starts it slowly
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex((HOST, port)) == 0:
                return process
        if process.poll() is not None:
            raise RuntimeError(process.stderr.read().decode() if process.stderr else "died")
        time.sleep(0.1)
    process.kill()
    raise RuntimeError("the server did not start")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def baseline_app() -> object:
    """Starlette's FileResponse over the same blob files, no checks: the floor."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import FileResponse
    from starlette.routing import Route

    root = Path(os.environ["BENCH_BLOB_ROOT"])

    async def serve(request: Request) -> FileResponse:
        sha = request.path_params["sha"]
        return FileResponse(root / sha[:2] / sha, media_type="application/pdf")

    return Starlette(routes=[Route("/files/{sha}", serve)])


def uvicorn_command(target: str, port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "uvicorn",
        target,
        "--factory",
        "--host",
        HOST,
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tablets", type=int, default=50)
    parser.add_argument("--packet-mb", type=float, default=20)
    parser.add_argument("--documents", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="a PostgreSQL server to run on "
        "instead of SQLite, e.g. postgresql+asyncpg://postgres@127.0.0.1/postgres;"
        " a scratch database is created there and dropped afterwards",
    )
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ecabinet-bench-"))
    scratch = f"ecabinet_bench_{os.getpid()}"
    database_url = f"sqlite+aiosqlite:///{work / 'ecabinet.db'}"
    if options.postgres:
        database_url = asyncio.run(scratch_database(options.postgres, scratch, create=True))
    try:
        packet = asyncio.run(
            prepare(
                work, database_url, options.tablets, int(options.packet_mb * 1e6), options.documents
            )
        )
        rows = measure(work, database_url, packet, options.repeat)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if options.postgres:
            asyncio.run(scratch_database(options.postgres, scratch, create=False))
    report(options, packet, rows, "PostgreSQL" if options.postgres else "SQLite")


async def scratch_database(admin_url: str, name: str, *, create: bool) -> str:
    import asyncpg
    from sqlalchemy.engine import make_url

    url = make_url(admin_url)
    connection = await asyncpg.connect(
        host=url.host or HOST,
        port=url.port or 5432,
        user=url.username or "postgres",
        password=url.password,
        database=url.database or "postgres",
    )
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return url.set(database=name).render_as_string(hide_password=False)


def measure(
    work: Path, database_url: str, packet: Packet, repeat: int
) -> dict[str, list[dict[str, float]]]:
    env = {
        **os.environ,
        "ECABINET_DATA_DIR": str(work),
        "ECABINET_LOG_LEVEL": "warning",
        "ECABINET_DATABASE_URL": database_url,
        "ECABINET_SESSION_SECRET": "bench-" + "x" * 40,
        "PYTHONPATH": str(ROOT),
        "BENCH_BLOB_ROOT": str(work / "blobs"),
    }
    ours_port, floor_port = free_port(), free_port()
    env["ECABINET_ORIGIN"] = f"http://localhost:{ours_port}"
    ours = start_server(uvicorn_command("ecabinet.app:create_app", ours_port), env, ours_port)
    try:
        floor = start_server(
            uvicorn_command("bench.bench_documents:baseline_app", floor_port), env, floor_port
        )
    except BaseException:
        stop(ours)
        raise
    headers = [{"Cookie": cookie} for cookie in packet.cookies]
    etags = ", ".join(f'"{path.name}"' for path in packet.paths)
    runs = {
        OURS: (ours_port, packet.urls, headers),
        FLOOR: (
            floor_port,
            [f"/files/{path.name}" for path in packet.paths],
            [{} for _ in packet.cookies],
        ),
        REVALIDATING: (ours_port, packet.urls, [{**h, "If-None-Match": etags} for h in headers]),
    }
    rows: dict[str, list[dict[str, float]]] = {name: [] for name in runs}
    try:
        # A warm-up of each, then the runs alternate.
        for port, paths, asked in runs.values():
            asyncio.run(run(port, paths[:1], asked[:2]))
        for number in range(repeat):
            for name, (port, paths, asked) in runs.items():
                rows[name].append(asyncio.run(run(port, paths, asked)))
                print(
                    f"  {name} #{number + 1}: {rows[name][-1]['throughput_mb_s']:.0f} MB/s",
                    flush=True,
                )
    finally:
        stop(ours)
        stop(floor)
    return rows


OURS = "e-Cabinet /api/versions/{id}/file"
FLOOR = "Starlette FileResponse (no checks)"
REVALIDATING = "e-Cabinet, tablets revalidating (304)"


def spread(values: list[float], form: str = "{:.0f}") -> str:
    return " / ".join(form.format(v) for v in (min(values), statistics.median(values), max(values)))


def report(
    options: argparse.Namespace,
    packet: Packet,
    rows: dict[str, list[dict[str, float]]],
    database: str,
) -> None:
    machine = (
        f"{os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}"
    )
    print(
        f"\n{options.tablets} tablets, packet of {options.documents} PDFs, "
        f"{packet.total_bytes / 1e6:.1f} MB each tablet; {database}; {machine}; "
        f"client and servers on the same machine; {options.repeat} interleaved runs, "
        "min / median / max\n"
    )
    print(
        "| server | throughput (MB/s) | median tablet (s) | last tablet (s) | first byte p50 "
        "(ms) | first byte p99 (ms) |"
    )
    print("|---|---|---|---|---|---|")
    for name, runs in rows.items():

        def of(key: str, runs: list[dict[str, float]] = runs) -> list[float]:
            return [r[key] for r in runs]

        throughput = spread(of("throughput_mb_s")) if name != REVALIDATING else "–"
        print(
            f"| {name} | {throughput} | {spread(of('p50_tablet_s'), '{:.2f}')} | "
            f"{spread(of('last_tablet_s'), '{:.2f}')} | "
            f"{spread(of('first_byte_p50_ms'), '{:.1f}')} | "
            f"{spread(of('first_byte_p99_ms'), '{:.1f}')} |"
        )
    ratio = statistics.median(r["throughput_mb_s"] for r in rows[OURS]) / statistics.median(
        r["throughput_mb_s"] for r in rows[FLOOR]
    )
    print(f"\ne-Cabinet's median throughput is {ratio:.2f}x the floor's.")
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / f"documents-{database.lower()}.json").write_text(
        json.dumps(
            {
                "tablets": options.tablets,
                "packet_bytes": packet.total_bytes,
                "machine": machine,
                "database": database,
                "rows": rows,
                "ratio": ratio,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
