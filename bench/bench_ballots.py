"""Ballots: server CPU per ballot and throughput, e-Cabinet against a floor, interleaved.

Real uvicorn servers on loopback, run as `ecabinet serve` runs them:
- e-Cabinet: each ballot is the real path, through HTTP: the ballot's passkey options,
  a software authenticator signs, the server verifies the WebAuthn assertion, stores the
  evidence, writes the audit event and commits;
- the floor, bench/ballot_floor.py: the same two requests doing the least a server can
  (one challenge row, one py_webauthn verification, one INSERT, commit), on the same
  database.

For each configuration (SQLite with one process; PostgreSQL with 1, 2 and 4 processes)
both servers run side by side and the bench alternates e-Cabinet, floor, e-Cabinet,
floor… (3 repetitions by default), so the machine's other load falls on both alike.
Each run casts ``--ballots`` ballots on a fresh vote with ``--concurrency`` voters in
flight; server CPU is read from /proc for the server's processes (all its workers).
Reported: min / median / max of the repetitions.

Then the burst: one vote, ``--burst`` ballots (signed beforehand) offered within one
second while ``--burst-tablets`` tablets watch over websockets; when the last ballot
was acknowledged, and how long until every tablet has the exact final count.

    python bench/bench_ballots.py [--repeat 3] [--ballots 200] [--concurrency 16]
        [--postgres postgresql+asyncpg://postgres@127.0.0.1:5432/bench_speed]
        [--processes 1,2,4] [--burst 500] [--burst-tablets 200]  (1000: the issue's N)
        [--burst-on sqlite-1,postgresql-1,postgresql-2] [--no-postgres]

Bounded: every request and wait has a time limit; the whole run stops after 20 minutes.
With the defaults it takes a few minutes. The PostgreSQL database named in --postgres is
dropped and created afresh (never point it at a database you keep).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import resource
import secrets
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.live_clients import Arrivals, Server, Tablet, open_all, wait_until_up  # noqa: E402
from bench.live_seed import Member, Seeded, seed  # noqa: E402

ORIGIN = "http://localhost:8000"
WAIT = 60.0
RUN_TIMEOUT = 1200.0
DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/bench_speed"


@dataclass
class Config:
    database: str  # "sqlite" or "postgresql"
    processes: int
    url: str

    @property
    def name(self) -> str:
        return (
            f"{'SQLite' if self.database == 'sqlite' else 'PostgreSQL'}, "
            f"{self.processes} process{'es' if self.processes > 1 else ''}"
        )


class Voting:
    """Casting ballots through either server's HTTP API."""

    def __init__(self, seeded: Seeded, ours: Server, floor: Server) -> None:
        self.seeded, self.ours, self.floor = seeded, ours, floor
        self.http = httpx.AsyncClient(
            timeout=120, limits=httpx.Limits(max_connections=64, max_keepalive_connections=64)
        )
        self.items = iter(seeded.items)

    async def post(
        self, member: Member | None, url: str, body: dict[str, Any] | None = None
    ) -> httpx.Response:
        headers = {} if member is None else {"Cookie": f"ecab_session={member.token}"}
        response = await self.http.post(url, json=body or {}, headers=headers)
        self.http.cookies.clear()
        return response

    async def new_poll(self) -> dict[str, Any]:
        chair, meeting = self.seeded.members[0], self.seeded.meeting_id
        taken = await self.post(
            chair,
            f"{self.ours.url}/api/meetings/{meeting}/session/next",
            {"item": next(self.items)},
        )
        assert taken.status_code == 200, taken.text
        opened = await self.post(
            chair,
            f"{self.ours.url}/api/items/{taken.json()['current_item']}/polls",
            {"question": "Bench?"},
        )
        assert opened.status_code == 201, opened.text
        poll: dict[str, Any] = opened.json()
        return poll

    async def close_poll(self, poll: dict[str, Any]) -> None:
        closed = await self.post(
            self.seeded.members[0], f"{self.ours.url}/api/polls/{poll['id']}/close"
        )
        assert closed.status_code == 200, closed.text

    async def options(
        self, floor: bool, voter: Member, poll: int, question: int, choice: str
    ) -> dict[str, Any]:
        base = self.floor.url if floor else self.ours.url
        body = (
            {"voter": voter.person_id, "choice": choice}
            if floor
            else {"question": question, "choice": choice}
        )
        issued = await self.post(
            None if floor else voter, f"{base}/api/polls/{poll}/ballots/options", body
        )
        assert issued.status_code == 200, issued.text
        answer = issued.json()
        assert voter.device is not None
        return {
            "payload": answer["payload"],
            "credential": voter.device.assert_(answer["publicKey"]),
        }

    async def cast(self, floor: bool, voter: Member, poll: int, signed: dict[str, Any]) -> bool:
        base = self.floor.url if floor else self.ours.url
        answer = await self.post(
            None if floor else voter, f"{base}/api/polls/{poll}/ballots", signed
        )
        return answer.status_code == 201

    async def ballot(self, floor: bool, voter: Member, poll: int, question: int) -> float:
        began = time.perf_counter()
        signed = await self.options(floor, voter, poll, question, "for")
        assert await self.cast(floor, voter, poll, signed), "a ballot was refused"
        return time.perf_counter() - began

    async def run(
        self, floor: bool, ballots: int, concurrency: int, number: int
    ) -> dict[str, float]:
        """``ballots`` ballots on one vote (the floor: a poll number of its own), at most
        ``concurrency`` in flight; the server's CPU and the wall time around them."""
        server = self.floor if floor else self.ours
        poll = None if floor else await self.new_poll()
        poll_id, question = (
            (10_000 + number, 0) if poll is None else (poll["id"], poll["question_id"])
        )
        voters = self.seeded.voters[:ballots]
        queue = iter(voters)
        latencies: list[float] = []

        async def worker() -> None:
            for voter in queue:
                latencies.append(await self.ballot(floor, voter, poll_id, question))

        cpu = server.cpu_seconds()
        began = time.perf_counter()
        await asyncio.wait_for(asyncio.gather(*(worker() for _ in range(concurrency))), WAIT * 5)
        wall = time.perf_counter() - began
        cpu = server.cpu_seconds() - cpu
        if poll is not None:
            await self.close_poll(poll)
        return {
            "cpu_ms_per_ballot": cpu / len(voters) * 1000,
            "ballots_per_s": len(voters) / wall,
            "p95_ms": sorted(latencies)[int(0.95 * (len(latencies) - 1))] * 1000,
        }


def _ms(value: float | None) -> str:
    return f"over {WAIT:.0f} s" if value is None else f"{value:.1f}"


def spread(values: list[float]) -> str:
    return f"{min(values):.2f} / {statistics.median(values):.2f} / {max(values):.2f}"


async def measure(config: Config, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    print(f"{config.name}: seeding...", flush=True)
    await asyncio.to_thread(workdir.mkdir)
    voters = max(args.ballots, args.burst)
    seeded = await seed(
        config.url,
        members=max(voters, args.burst_tablets) + 1,
        voters=voters,
        items=2 * args.repeat + 4,
        origin=ORIGIN,
        rp_id="localhost",
    )
    environment = {
        "PATH": "/usr/bin:/bin",
        "ECABINET_DATABASE_URL": config.url,
        "ECABINET_DATA_DIR": str(workdir / "data"),
        "ECABINET_ORIGIN": ORIGIN,
        "ECABINET_SESSION_SECRET": secrets.token_urlsafe(48),
        "ECABINET_SERVER_PROCESSES": str(config.processes),
        "ECABINET_WS_HEARTBEAT_SECONDS": "30",
        "ECABINET_PRESENCE_GRACE_SECONDS": "300",
        "ECABINET_SWEEP_SECONDS": "0",
        "ECABINET_LOG_LEVEL": "warning",
        "PYTHONPATH": str(ROOT),
        "BENCH_FLOOR_DB": config.url
        if config.database == "postgresql"
        else f"sqlite+aiosqlite:///{workdir / 'floor.db'}",
    }
    ours = Server(
        "ecabinet.app:create_app", environment, workdir / "ecabinet.log", workers=config.processes
    )
    floor = Server(
        "bench.ballot_floor:app", environment, workdir / "floor.log", workers=config.processes
    )
    for server in (ours, floor):
        server.start()
    voting = Voting(seeded, ours, floor)
    try:
        for server in (ours, floor):
            await wait_until_up(server.url + "/readyz")
        await _register_keys(voting)
        chair = seeded.members[0]
        opened = await voting.post(
            chair, f"{ours.url}/api/meetings/{seeded.meeting_id}/session/open"
        )
        assert opened.is_success, opened.text
        # Warm both (imports, compiled queries, pools), then alternate.
        await voting.run(False, min(20, args.ballots), 4, 0)
        await voting.run(True, min(20, args.ballots), 4, 0)
        rows: dict[str, list[dict[str, float]]] = {"ours": [], "floor": []}
        for n in range(args.repeat):
            for floor_turn in (False, True):
                row = await voting.run(floor_turn, args.ballots, args.concurrency, n + 1)
                rows["floor" if floor_turn else "ours"].append(row)
                print(
                    f"  {'floor' if floor_turn else 'e-Cabinet'} #{n + 1}: "
                    f"{row['cpu_ms_per_ballot']:.2f} ms CPU/ballot, "
                    f"{row['ballots_per_s']:.0f} ballots/s",
                    flush=True,
                )
        bursts = None
        if args.burst and f"{config.database}-{config.processes}" in args.burst_on:
            bursts = {"ours": await burst(voting, args, floor=False)}
            if config.processes == 1:
                bursts["floor"] = await burst(voting, args, floor=True)
        return {
            "config": config.name,
            "database": config.database,
            "processes": config.processes,
            "runs": rows,
            "burst": bursts,
        }
    except BaseException:
        for server in (ours, floor):
            print(f"--- {server.log.name} (last lines) ---", file=sys.stderr)
            print("\n".join(server.log.read_text().splitlines()[-30:]), file=sys.stderr)
        raise
    finally:
        await voting.http.aclose()
        for server in (ours, floor):
            server.stop()


async def _register_keys(voting: Voting) -> None:
    keys = {}
    for voter in voting.seeded.voters:
        assert voter.device is not None
        for raw in voter.device.credentials:
            from ecabinet.softauthn import b64url

            keys[b64url(raw)] = voter.device.public_key_cose(raw).hex()
    answer = await voting.http.post(voting.floor.url + "/register", json=keys)
    assert answer.status_code == 200, answer.text


async def burst(voting: Voting, args: argparse.Namespace, *, floor: bool) -> dict[str, Any]:
    """``--burst`` ballots offered within one second, ``--burst-tablets`` watching."""
    seeded, count, ballots = voting.seeded, args.burst_tablets, args.burst
    server = voting.floor if floor else voting.ours
    print(
        f"  burst on {'the floor' if floor else 'e-Cabinet'}: {ballots} ballots, "
        f"{count} tablets...",
        flush=True,
    )
    tablets = [
        Tablet(None if floor else m.token, None if floor else seeded.meeting_id)
        for m in seeded.members[1 : count + 1]
    ]
    # In small batches: each tablet's sign-in check takes a database connection.
    await open_all(tablets, server.url.replace("http", "ws") + "/ws", ORIGIN, batch=10)
    board = Arrivals(count)
    if floor:
        await voting.http.post(voting.floor.url + "/reset")
        poll_id, question = 99_999, 0
    else:
        poll = await voting.new_poll()
        poll_id, question = poll["id"], poll["question_id"]
    voters = seeded.voters[:ballots]
    signed = [
        await voting.options(floor, v, poll_id, question, "for" if n % 3 else "against")
        for n, v in enumerate(voters)
    ]
    for tablet in tablets:
        tablet.follow(board, None if floor else poll_id)
    if not floor:
        await board.all_at(0, WAIT)
    http = voting.http
    voting.http = httpx.AsyncClient(
        timeout=3 * WAIT, limits=httpx.Limits(max_connections=100, max_keepalive_connections=100)
    )
    start = time.perf_counter() + 0.2

    async def one(n: int) -> tuple[float, bool]:
        await asyncio.sleep(max(0.0, start + n / ballots - time.perf_counter()))
        try:
            ok = await voting.cast(floor, voters[n], poll_id, signed[n])
        except httpx.TimeoutException:
            ok = False
        return time.perf_counter(), ok

    cpu = server.cpu_seconds()
    acks = await asyncio.gather(*(one(n) for n in range(ballots)))
    last_ack = max(at for at, _ in acks)
    acknowledged = sum(ok for _, ok in acks)
    try:
        everyone: float | None = await board.all_at(acknowledged, WAIT)
    except TimeoutError:
        everyone = None
    cpu = server.cpu_seconds() - cpu
    await voting.http.aclose()
    voting.http = http
    if not floor:
        await voting.close_poll({"id": poll_id})
    for tablet in tablets:
        await tablet.close()
    return {
        "tablets": count,
        "sent": ballots,
        "acknowledged": acknowledged,
        "last_ack_ms": (last_ack - start) * 1000,
        "final_count_after_last_ack_ms": None if everyone is None else (everyone - last_ack) * 1000,
        "server_cpu_s": cpu,
    }


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


def table(results: list[dict[str, Any]]) -> str:
    lines = [
        "| configuration | server CPU per ballot (ms) e-Cabinet | floor | ratio (median) "
        "| ballots/s e-Cabinet | floor | p95 ballot (options + cast), ms e-Cabinet | floor |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for result in results:
        ours, floor = result["runs"]["ours"], result["runs"]["floor"]

        def of(rows: list[dict[str, float]], key: str) -> list[float]:
            return [r[key] for r in rows]

        ratio = statistics.median(of(ours, "cpu_ms_per_ballot")) / statistics.median(
            of(floor, "cpu_ms_per_ballot")
        )
        lines.append(
            f"| {result['config']} | {spread(of(ours, 'cpu_ms_per_ballot'))} | "
            f"{spread(of(floor, 'cpu_ms_per_ballot'))} | {ratio:.1f}x | "
            f"{spread(of(ours, 'ballots_per_s'))} | {spread(of(floor, 'ballots_per_s'))}"
            f" | {spread(of(ours, 'p95_ms'))} | {spread(of(floor, 'p95_ms'))} |"
        )
    lines += [
        "",
        "(min / median / max of the repetitions)",
        "",
        "| burst | tablets | sent | acknowledged | last ack after the first was offered "
        "(ms) | last ack → every tablet on the final count (ms) | server CPU (s) |",
        "|---|---|---|---|---|---|---|",
    ]
    for result in results:
        for who, row in (result["burst"] or {}).items():
            name = "e-Cabinet" if who == "ours" else "floor"
            lines.append(
                f"| {name}, {result['config']} | {row['tablets']} | {row['sent']} | "
                f"{row['acknowledged']} | {row['last_ack_ms']:.0f} | "
                f"{_ms(row['final_count_after_last_ack_ms'])} | "
                f"{row['server_cpu_s']:.2f} |"
            )
    return "\n".join(lines)


async def run(args: argparse.Namespace, workdir: Path) -> list[dict[str, Any]]:
    configs = [Config("sqlite", 1, f"sqlite+aiosqlite:///{workdir / '0' / 'bench.db'}")]
    if not args.no_postgres:
        configs += [Config("postgresql", n, args.postgres) for n in args.processes]
    results = []
    for number, config in enumerate(configs):
        if config.database == "postgresql":
            await fresh_database(config.url)
        # A directory of its own: nothing of an earlier configuration is reused.
        results.append(await measure(config, args, workdir / str(number)))
    return results


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--ballots", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument(
        "--postgres",
        default=DEFAULT_PG,
        help="a scratch database: it is dropped and created afresh",
    )
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument(
        "--processes", default="1,2,4", type=lambda s: [int(x) for x in s.split(",")]
    )
    parser.add_argument("--burst", type=int, default=500, help="0: no burst")
    parser.add_argument(
        "--burst-tablets",
        type=int,
        default=200,
        help="tablets watching the burst (the issue's figure is 1000)",
    )
    parser.add_argument(
        "--burst-on",
        default="sqlite-1,postgresql-1,postgresql-2",
        type=lambda s: s.split(","),
        help="the configurations that also run the burst (the issue's goals: "
        "one SQLite process; PostgreSQL with 2 processes against 1)",
    )
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "ballots.json"))
    return parser.parse_args()


def main() -> None:
    args = parse()
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    with tempfile.TemporaryDirectory(prefix="ecabinet-bench-") as workdir:
        results = asyncio.run(asyncio.wait_for(run(args, Path(workdir)), RUN_TIMEOUT))
    report = table(results)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(
        json.dumps(
            {
                "machine": f"{platform.machine()}, Python {platform.python_version()}",
                "results": results,
                "report": report,
            },
            indent=1,
        )
    )
    print(report)


if __name__ == "__main__":
    main()
