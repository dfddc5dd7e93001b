"""Soak: a realistic session mix for a long time, counting what went wrong.

One e-Cabinet server (a uvicorn subprocess, as `ecabinet serve` runs it) with a body of
--members members, all signed in, every one's tablet following the meeting over /ws.
Each round (one minute) the chair takes the next item and opens a vote; every member asks
for the ballot, signs it with a real passkey and casts it at a random moment in the next
30 seconds; meanwhile tablets read the agenda page and the live snapshot; then the chair
closes the vote. It reports the number of 5xx answers (the goal is 0), the p50/p99 latency
of each kind of request, and the server's memory at the start, the highest and at the
end (drift). Only 127.0.0.1 is used; every wait has a limit; the run stops by itself.

    python bench/bench_soak.py [--minutes 30] [--members 500] [--reads-per-second 20]
                               [--database postgresql+asyncpg://...] [--processes 4]

With --processes N (PostgreSQL), N server processes share the database as behind nginx
(deploy/nginx.conf): requests go to them in turn, the tablets' websockets are spread
evenly, and the memory reported is the sum of theirs (each one's is in the JSON).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import random
import resource
import secrets
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.live_clients import Server, Tablet, open_all, percentile, wait_until_up  # noqa: E402
from bench.live_seed import Member, Seeded, seed  # noqa: E402

ORIGIN = "http://localhost:8000"
ROUND_SECONDS = 60.0
CAST_WINDOW = 30.0


class Soak:
    def __init__(self, args: argparse.Namespace, seeded: Seeded, servers: list[Server]) -> None:
        self.args, self.seeded, self.servers = args, seeded, servers
        self.turn = 0
        self.http = httpx.AsyncClient(
            # As long as nginx waits for a process (deploy/nginx.conf, proxy_read_timeout):
            # a slow answer is latency, not a lost request.
            timeout=120,
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=200),
        )
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.failures: dict[str, int] = defaultdict(int)
        self.statuses: dict[int, int] = defaultdict(int)
        # Each 4xx by request kind, status and the problem's type (or the answer's start),
        # so that a run says which refusals it met, not only how many.
        self.refusals: dict[str, int] = defaultdict(int)
        self.memory: list[tuple[float, int]] = []
        self.memory_each: list[tuple[float, list[int]]] = []
        self.items = iter(seeded.items)
        self.dropped: dict[str, int] = {}
        self.rounds = 0

    async def request(
        self, kind: str, member: Member, method: str, path: str, body: dict[str, Any] | None = None
    ) -> httpx.Response | None:
        started = time.perf_counter()
        server = self.servers[self.turn % len(self.servers)]  # in turn, as nginx does
        self.turn += 1
        try:
            answer = await self.http.request(
                method,
                server.url + path,
                json=body,
                headers={"Cookie": f"ecab_session={member.token}"},
            )
        except httpx.TransportError:
            self.failures[kind] += 1
            return None
        finally:
            self.http.cookies.clear()
        self.latency[kind].append((time.perf_counter() - started) * 1000)
        self.statuses[answer.status_code] += 1
        if 400 <= answer.status_code < 500:
            self.refusals[f"{kind} {answer.status_code} {_problem(answer)}"] += 1
        return answer

    async def round(self) -> None:
        chair, meeting = self.seeded.members[0], self.seeded.meeting_id
        taken = await self.request(
            "session step",
            chair,
            "POST",
            f"/api/meetings/{meeting}/session/next",
            {"item": next(self.items)},
        )
        assert taken is not None and taken.status_code == 200, taken and taken.text
        item = taken.json()["current_item"]
        opened = await self.request(
            "open vote", chair, "POST", f"/api/items/{item}/polls", {"question": "Soak?"}
        )
        assert opened is not None and opened.status_code == 201, opened and opened.text
        poll = opened.json()
        await asyncio.gather(*(self.vote(voter, poll) for voter in self.seeded.voters))
        closed = await self.request(
            "close vote", chair, "POST", f"/api/polls/{poll['id']}/close", {}
        )
        assert closed is not None and closed.status_code == 200, closed and closed.text

    async def vote(self, voter: Member, poll: dict[str, Any]) -> None:
        await asyncio.sleep(random.uniform(0, CAST_WINDOW))
        choice = random.choice(["for", "for", "against", "abstain"])
        issued = await self.request(
            "ballot options",
            voter,
            "POST",
            f"/api/polls/{poll['id']}/ballots/options",
            {"question": poll["question_id"], "choice": choice},
        )
        if issued is None or issued.status_code != 200:
            return
        body = issued.json()
        assert voter.device is not None
        signed = {"payload": body["payload"], "credential": voter.device.assert_(body["publicKey"])}
        await self.request("ballot cast", voter, "POST", f"/api/polls/{poll['id']}/ballots", signed)

    async def readers(self, until: float) -> None:
        meeting = self.seeded.meeting_id
        pause = 1.0 / self.args.reads_per_second
        pending: set[asyncio.Task[Any]] = set()
        while time.monotonic() < until:
            member = random.choice(self.seeded.members)
            kind, path = random.choice(
                [
                    ("agenda page", f"/meetings/{meeting}"),
                    ("live snapshot", f"/api/meetings/{meeting}/session"),
                ]
            )
            task = asyncio.create_task(self.request(kind, member, "GET", path))
            pending.add(task)
            task.add_done_callback(pending.discard)
            await asyncio.sleep(pause)
        await asyncio.gather(*pending)

    async def sample_memory(self, until: float) -> None:
        start = time.monotonic()
        while time.monotonic() < until:
            each = [server.rss_bytes() for server in self.servers]
            self.memory.append((time.monotonic() - start, sum(each)))
            self.memory_each.append((time.monotonic() - start, each))
            await asyncio.sleep(10)


async def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    url = args.database or f"sqlite+aiosqlite:///{workdir / 'soak.db'}"
    rounds = max(1, int(args.minutes * 60 / ROUND_SECONDS))
    seeded = await seed(
        url,
        members=args.members,
        voters=args.members,
        items=rounds + 2,
        origin=ORIGIN,
        rp_id="localhost",
    )
    environment = {
        "PATH": "/usr/bin:/bin",
        "ECABINET_DATABASE_URL": url,
        "ECABINET_DATA_DIR": str(workdir / "data"),
        "ECABINET_ORIGIN": ORIGIN,
        "ECABINET_SESSION_SECRET": secrets.token_urlsafe(48),
        "ECABINET_PRESENCE_GRACE_SECONDS": "300",
        "ECABINET_LOG_LEVEL": "warning",
        # The seeded meeting has no written positions: a sweep would triage every
        # item into the consent block.
        "ECABINET_SWEEP_SECONDS": "0",
        "PYTHONPATH": str(ROOT),
    }
    servers = [
        Server(
            "ecabinet.app:create_app",
            environment,
            workdir / ("ecabinet.log" if n == 0 else f"ecabinet-{n + 1}.log"),
        )
        for n in range(args.processes)
    ]
    for server in servers:
        server.start()
    tablets: list[Tablet] = []
    try:
        soak = Soak(args, seeded, servers)
        for server in servers:
            await wait_until_up(server.url + "/readyz")
        opened = await soak.request(
            "session step",
            seeded.members[0],
            "POST",
            f"/api/meetings/{seeded.meeting_id}/session/open",
            {},
        )
        assert opened is not None and opened.is_success, opened and opened.text
        tablets = [Tablet(m.token, seeded.meeting_id) for m in seeded.members]
        for n, server in enumerate(servers):  # evenly, as nginx's least_conn does
            await open_all(
                tablets[n :: len(servers)], server.url.replace("http", "ws") + "/ws", ORIGIN
            )
        until = time.monotonic() + args.minutes * 60
        background = [
            asyncio.create_task(soak.readers(until)),
            asyncio.create_task(soak.sample_memory(until)),
        ]
        # A round a minute until the time is up: a server that falls behind runs fewer
        # rounds, not a longer soak.
        for number in range(rounds):
            started = time.monotonic()
            if started >= until:
                break
            dropped = _dropped(tablets)
            print(f"round {number + 1} of {rounds}; tablets dropped: {dropped or 0}", flush=True)
            await soak.round()
            soak.rounds += 1
            now = time.monotonic()
            await asyncio.sleep(max(0.0, min(ROUND_SECONDS - (now - started), until - now)))
        await asyncio.gather(*background)
        await soak.http.aclose()
        soak.dropped = _dropped(tablets)
    except BaseException:
        for server in servers:
            print("\n".join(server.log.read_text().splitlines()[-40:]), file=sys.stderr)
        raise
    finally:
        for tablet in tablets:
            await tablet.close()
        for server in servers:
            server.stop()
    return _summary(args, soak, url)


def _problem(answer: httpx.Response) -> str:
    try:
        problem = answer.json()
    except ValueError:
        return answer.text[:120]
    if not isinstance(problem, dict):
        return answer.text[:120]
    return f"{problem.get('type', '')}: {str(problem.get('detail', ''))[:120]}"


def _dropped(tablets: list[Tablet]) -> dict[str, int]:
    """The tablets whose connection the server closed (or lost) during the run, by code."""
    codes: dict[str, int] = defaultdict(int)
    for tablet in tablets:
        if tablet.closed is not None:
            codes[f"{tablet.closed[1]} {tablet.closed[2]}".strip()] += 1
    return dict(codes)


def _summary(args: argparse.Namespace, soak: Soak, url: str) -> dict[str, Any]:
    errors = sum(n for status, n in soak.statuses.items() if status >= 500)
    rss = [r for _, r in soak.memory] or [0]
    lines = [
        f"soak: {args.minutes} min, {soak.rounds} rounds (votes), "
        f"{args.members} members and tablets, {args.processes} server process(es), "
        f"{'SQLite' if url.startswith('sqlite') else 'PostgreSQL'}, "
        f"{platform.machine()}, Python {platform.python_version()}",
        f"5xx answers: {errors} (goal 0); lost connections: {sum(soak.failures.values())}",
        f"statuses: {dict(sorted(soak.statuses.items()))}",
        *(f"refused: {n} x {what}" for what, n in sorted(soak.refusals.items())),
        f"tablets dropped by the server: {sum(soak.dropped.values())} {soak.dropped or ''}",
        "| request | count | p50 ms | p99 ms |",
        "|---|---|---|---|",
    ]
    for kind, values in sorted(soak.latency.items()):
        lines.append(
            f"| {kind} | {len(values)} | {percentile(values, 0.5):.1f} | "
            f"{percentile(values, 0.99):.1f} |"
        )
    lines.append(
        f"server RSS: start {rss[0] / 2**20:.0f} MiB, highest "
        f"{max(rss) / 2**20:.0f} MiB, end {rss[-1] / 2**20:.0f} MiB"
    )
    return {
        "report": "\n".join(lines),
        "errors_5xx": errors,
        "rounds": soak.rounds,
        "statuses": soak.statuses,
        "refusals": soak.refusals,
        "tablets_dropped": soak.dropped,
        "latency_ms": {
            k: {"p50": percentile(v, 0.5), "p99": percentile(v, 0.99), "count": len(v)}
            for k, v in soak.latency.items()
        },
        "rss_bytes": soak.memory,
        "rss_bytes_each": soak.memory_each,
    }


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--reads-per-second", type=float, default=20)
    parser.add_argument("--database", default="", help="default: a SQLite file in a temp dir")
    parser.add_argument("--processes", type=int, default=1, help="server processes (PostgreSQL)")
    parser.add_argument("--workdir", default="", help="keep the database and log here")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "soak.json"))
    return parser.parse_args()


def main() -> None:
    args = parse()
    if args.processes > 1 and not args.database.startswith("postgresql"):
        sys.exit("--processes needs --database postgresql+asyncpg://... (SQLite is one process)")
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    timeout = args.minutes * 60 + 600
    if args.workdir:  # kept afterwards: the server's log and database, to look into
        Path(args.workdir).mkdir(parents=True, exist_ok=True)
        result = asyncio.run(asyncio.wait_for(run(args, Path(args.workdir)), timeout))
    else:
        with tempfile.TemporaryDirectory(prefix="ecabinet-soak-") as workdir:
            result = asyncio.run(asyncio.wait_for(run(args, Path(workdir)), timeout))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1, default=str))
    print(result["report"])


if __name__ == "__main__":
    main()
