"""Pages: server CPU per GET of the matrix, agenda and live pages, against a floor.

The demo Government (``ecabinet demo``: 27 members, its session of the month with its
agenda and documents) is served by a real uvicorn server, one process, as `ecabinet
serve` runs it. The floor is a bare Starlette server rendering, for the same URL, a Jinja
template (autoescaped, a base layout and a loop) to a page of the same size as
e-Cabinet's: what any server-rendered page costs with no session, no database, no
permissions.

For each page the bench alternates e-Cabinet and the floor (``--repeat`` times, 3 by
default), ``--gets`` GETs each, one after another over one keep-alive connection, so the
machine's other load falls on both alike. Server CPU (user + system, all threads) is read
from /proc before and after; reported per GET, min / median / max of the repetitions,
with the load average at the start and the end.

    python bench/bench_pages.py [--gets 200] [--repeat 3] [--postgres URL]
    python bench/bench_pages.py --profile matrix   # cProfile of the page, in process

Bounded: every request has a time limit; the whole run stops after 10 minutes. Loopback
only. With --postgres the named database is dropped and created afresh (never point it
at a database you keep).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import platform
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.live_clients import Server  # noqa: E402

ORIGIN = "http://localhost:8000"
RUN_TIMEOUT = 600.0
PAGES = ("agenda", "live", "matrix")

FLOOR_TEMPLATE = """<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>{{ title }}</title>
<link rel="stylesheet" href="/static/app.css"></head>
<body><header><nav><a href="/">e-Cabinet</a> <span>{{ person }}</span></nav></header>
<main><h1>{{ title }}</h1>
<table>
{% for row in rows %}
<tr><td>{{ row.number }}</td><td><a href="/items/{{ row.id }}">{{ row.title }}</a></td>
<td>{{ row.who }}</td><td class="{{ row.state }}">{{ row.state }}</td></tr>
{% endfor %}
</table></main></body></html>
"""


def floor_app() -> Any:
    """A bare Starlette page: a Jinja template (compiled once) rendered to ``?bytes=N``."""
    import jinja2
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, Response
    from starlette.routing import Route

    environment = jinja2.Environment(autoescape=True)
    template = environment.from_string(FLOOR_TEMPLATE)
    row = {"number": 1, "id": 1, "title": "Tờ trình dự án Luật <sửa đổi>", "who": "Bộ Tư pháp"}
    one_row = len(template.render(title="", person="", rows=[{**row, "state": "open"}]))
    empty = len(template.render(title="", person="", rows=[]))

    async def page(request: Request) -> HTMLResponse:
        wanted = int(request.query_params.get("bytes", "20000"))
        count = max(0, (wanted - empty) // max(1, one_row - empty))
        rows = [{**row, "number": n, "id": n, "state": "open"} for n in range(count)]
        return HTMLResponse(template.render(title="Phiên họp", person="Thư ký", rows=rows))

    async def ready(_: Request) -> Response:
        return Response("ok")

    return Starlette(routes=[Route("/page", page), Route("/readyz", ready)])


async def prepare(workdir: Path, database_url: str) -> tuple[int, dict[str, str]]:
    """The demo Government; signed-in sessions for a member and the secretariat."""
    from sqlmodel import select

    from ecabinet.auth.logins import start_login
    from ecabinet.db import Database
    from ecabinet.demo.seed import prepare_demo
    from ecabinet.models import Meeting, Membership, Person
    from ecabinet.settings import load_settings
    from ecabinet.vocab import Role

    settings = load_settings(
        environ={"ECABINET_ORIGIN": ORIGIN},
        data_dir=str(workdir / "data"),
        database_url=database_url,
    )
    await prepare_demo(settings)
    db = Database(database_url)
    tokens = {}
    async with db.transaction() as tx:
        meeting = (await tx.session.exec(select(Meeting))).one()
        for role in (Role.MEMBER, Role.SECRETARIAT):
            seat = (
                await tx.session.exec(select(Membership).where(Membership.role == role))
            ).first()
            assert seat is not None
            person = await tx.session.get(Person, seat.person_id)
            assert person is not None
            tokens[role.value] = await start_login(tx.session, person, credential_id=None)
    await db.dispose()
    assert meeting.id is not None
    return meeting.id, tokens


def cpu_per_get(server: Server, client: httpx.Client, url: str, gets: int) -> tuple[float, int]:
    before = server.cpu_seconds()
    size = 0
    for _ in range(gets):
        answer = client.get(url)
        if answer.status_code != 200:
            raise RuntimeError(f"{url}: HTTP {answer.status_code}: {answer.text[:300]}")
        size = len(answer.content)
    return (server.cpu_seconds() - before) / gets * 1000, size


def load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


async def wait_ready(*urls: str) -> None:
    deadline = time.monotonic() + 60
    async with httpx.AsyncClient(timeout=5) as client:
        for url in urls:
            while True:
                try:
                    if (await client.get(url)).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{url} did not answer")
                await asyncio.sleep(0.2)


def measure(args: argparse.Namespace, workdir: Path, database_url: str) -> dict[str, Any]:
    meeting_id, tokens = asyncio.run(prepare(workdir, database_url))
    environment = {
        "PATH": "/usr/bin:/bin",
        "ECABINET_DATABASE_URL": database_url,
        "ECABINET_DATA_DIR": str(workdir / "data"),
        "ECABINET_ORIGIN": ORIGIN,
        "ECABINET_SESSION_SECRET": secrets.token_urlsafe(48),
        "ECABINET_SWEEP_SECONDS": "0",
        "ECABINET_LOG_LEVEL": "warning",
        "PYTHONPATH": str(ROOT),
    }
    ours = Server("ecabinet.app:create_app", environment, workdir / "ecabinet.log")
    floor = Server("bench.bench_pages:floor_app", environment, workdir / "floor.log")
    urls = {
        "agenda": (f"/meetings/{meeting_id}", tokens["member"]),
        "live": (f"/meetings/{meeting_id}/live", tokens["member"]),
        "matrix": (f"/meetings/{meeting_id}/matrix", tokens["secretariat"]),
    }
    rows: dict[str, dict[str, list[float]]] = {p: {"ours": [], "floor": []} for p in PAGES}
    sizes: dict[str, int] = {}
    loads = [load()]
    for server in (ours, floor):
        server.start()
    try:
        asyncio.run(wait_ready(ours.url + "/readyz", floor.url + "/readyz"))
        clients = {
            role: httpx.Client(
                base_url=ours.url,
                cookies={"ecab_session": token},
                headers={"Accept-Language": "vi"},
                timeout=30,
            )
            for role, token in tokens.items()
        }
        floor_client = httpx.Client(base_url=floor.url, timeout=30)
        # Warm both (imports, compiled queries and templates, pools); learn each size.
        for page, (path, token) in urls.items():
            client = clients["member" if token == tokens["member"] else "secretariat"]
            _, sizes[page] = cpu_per_get(ours, client, path, 5)
            cpu_per_get(floor, floor_client, f"/page?bytes={sizes[page]}", 5)
        began = time.monotonic()
        for number in range(args.repeat):
            for page, (path, token) in urls.items():
                client = clients["member" if token == tokens["member"] else "secretariat"]
                mine, _ = cpu_per_get(ours, client, path, args.gets)
                base, _ = cpu_per_get(floor, floor_client, f"/page?bytes={sizes[page]}", args.gets)
                rows[page]["ours"].append(mine)
                rows[page]["floor"].append(base)
                print(
                    f"  {page} #{number + 1}: e-Cabinet {mine:.2f} ms, floor {base:.2f} ms "
                    f"CPU per GET ({sizes[page]} bytes)",
                    flush=True,
                )
                if time.monotonic() - began > RUN_TIMEOUT:
                    raise RuntimeError("the run took too long; stopped")
        for client in (*clients.values(), floor_client):
            client.close()
    finally:
        for server in (ours, floor):
            server.stop()
    loads.append(load())
    return {"rows": rows, "sizes": sizes, "load": loads}


async def profile(page: str, gets: int, workdir: Path, database_url: str) -> str:
    """cProfile of ``gets`` GETs of one page, app in this process (through ASGI, no
    socket): the functions that cost the most time of their own, and in total."""
    import cProfile
    import io
    import pstats

    from ecabinet.app import create_app
    from ecabinet.settings import load_settings

    meeting_id, tokens = await prepare(workdir, database_url)
    settings = load_settings(
        environ={"ECABINET_ORIGIN": ORIGIN},
        data_dir=str(workdir / "data"),
        database_url=database_url,
        session_secret="bench-" + "x" * 40,
    )
    app = create_app(settings)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    path = {
        "agenda": f"/meetings/{meeting_id}",
        "live": f"/meetings/{meeting_id}/live",
        "matrix": f"/meetings/{meeting_id}/matrix",
    }[page]
    token = tokens["secretariat" if page == "matrix" else "member"]
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url=ORIGIN,
            cookies={"ecab_session": token},
        ) as client,
    ):
        for _ in range(5):
            assert (await client.get(path)).status_code == 200
        profiler = cProfile.Profile(time.process_time)  # CPU, all threads
        profiler.enable()
        for _ in range(gets):
            await client.get(path)
        profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(30)
    stats.sort_stats("cumulative").print_stats("ecabinet", 40)
    return out.getvalue()


def spread(values: list[float]) -> str:
    return f"{min(values):.2f} / {statistics.median(values):.2f} / {max(values):.2f}"


def report(result: dict[str, Any], database: str, args: argparse.Namespace) -> str:
    lines = [
        f"{database}, 1 process; {os.cpu_count()} cores, {platform.machine()}, Python "
        f"{platform.python_version()}; load average {result['load'][0]} at the start, "
        f"{result['load'][1]} at the end; {args.gets} GETs per run, {args.repeat} "
        "interleaved runs, min / median / max",
        "",
        "| page | bytes | server CPU per GET (ms) e-Cabinet | floor | ratio (median) |",
        "|---|---|---|---|---|",
    ]
    for page in PAGES:
        ours, floor = result["rows"][page]["ours"], result["rows"][page]["floor"]
        ratio = statistics.median(ours) / max(statistics.median(floor), 1e-9)
        lines.append(
            f"| {page} | {result['sizes'][page]} | {spread(ours)} | {spread(floor)} | "
            f"{ratio:.1f}x |"
        )
    return "\n".join(lines)


async def fresh_database(url: str) -> None:
    import asyncpg
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    connection = await asyncpg.connect(
        host=parsed.host or "127.0.0.1",
        port=parsed.port or 5432,
        user=parsed.username or "postgres",
        password=parsed.password,
        database="postgres",
    )
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
        await connection.execute(f'CREATE DATABASE "{parsed.database}"')
    finally:
        await connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gets", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", metavar="URL", help="run on this PostgreSQL database")
    parser.add_argument("--profile", choices=PAGES, help="profile one page instead")
    args = parser.parse_args()
    if args.profile:
        with tempfile.TemporaryDirectory(prefix="ecabinet-pages-") as work:
            url = args.postgres or f"sqlite+aiosqlite:///{Path(work) / 'ecabinet.db'}"
            if args.postgres:
                asyncio.run(fresh_database(args.postgres))
            print(asyncio.run(profile(args.profile, args.gets, Path(work), url)))
        return
    with tempfile.TemporaryDirectory(prefix="ecabinet-pages-") as work:
        workdir = Path(work)
        url = f"sqlite+aiosqlite:///{workdir / 'ecabinet.db'}"
        database = "SQLite"
        if args.postgres:
            asyncio.run(fresh_database(args.postgres))
            url, database = args.postgres, "PostgreSQL"
        result = measure(args, workdir, url)
    text = report(result, database, args)
    print("\n" + text)
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / f"pages-{database.lower()}.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
