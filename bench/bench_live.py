"""Live tallies: how fast a ballot's new count reaches every connected tablet.

Two real uvicorn servers on loopback, one process each, both run as `ecabinet serve` runs
(websockets-sansio, per-message compression off):
- e-Cabinet: each vote goes through the real ballot path (the ballot's passkey options,
  a software authenticator signs, the server verifies the WebAuthn assertion, stores the
  evidence and commits); the count reaches the tablets over /ws, coalesced;
- the floor, bench/bare_server.py: a bare Starlette server that only broadcasts a counter.

Phases, for each N of tablets: votes one at a time, measuring the time from the ballot's
acknowledgement (and from its request) until every tablet has the new count; server CPU
per delivered message; server memory per connection. Then a burst of ballots sent within
one second (every ballot verified; none may be lost) and the time from the last
acknowledgement until every tablet has the exact final count; then a tablet that stops
reading, to show it delays nobody. Every wait has a time limit, only 127.0.0.1 is used,
and the run stops by itself.

    python bench/bench_live.py [--tablets 100,500,1000,2000] [--votes 100]
                               [--burst 500] [--burst-tablets 1000] [--slow-tablets 1000]
                               [--database postgresql+asyncpg://...]
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
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.live_clients import (  # noqa: E402
    Arrivals,
    Server,
    Tablet,
    open_all,
    percentile,
)
from bench.live_seed import Member, Seeded, seed  # noqa: E402

ORIGIN = "http://localhost:8000"  # the public origin, as behind nginx
WAIT = 60.0
RUN_TIMEOUT = 1800.0


class Bench:
    def __init__(
        self, args: argparse.Namespace, seeded: Seeded, ours: Server, bare: Server
    ) -> None:
        self.args, self.seeded, self.ours, self.bare = args, seeded, ours, bare
        self.http = httpx.AsyncClient(
            timeout=30, limits=httpx.Limits(max_connections=100, max_keepalive_connections=100)
        )
        self.items = iter(seeded.items)

    # --- talking to e-Cabinet -------------------------------------------------------

    async def post(
        self, member: Member, path: str, body: dict[str, Any] | None = None, base: str | None = None
    ) -> httpx.Response:
        response = await self.http.post(
            (base or self.ours.url) + path,
            json=body or {},
            headers={"Cookie": f"ecab_session={member.token}"},
        )
        self.http.cookies.clear()
        return response

    async def new_poll(self) -> dict[str, Any]:
        chair = self.seeded.members[0]
        meeting = self.seeded.meeting_id
        taken = await self.post(
            chair, f"/api/meetings/{meeting}/session/next", {"item": next(self.items)}
        )
        assert taken.status_code == 200, taken.text
        item = taken.json()["current_item"]
        opened = await self.post(chair, f"/api/items/{item}/polls", {"question": "Bench?"})
        assert opened.status_code == 201, opened.text
        poll: dict[str, Any] = opened.json()
        return poll

    async def close_poll(self, poll: dict[str, Any]) -> None:
        closed = await self.post(self.seeded.members[0], f"/api/polls/{poll['id']}/close")
        assert closed.status_code == 200, closed.text

    async def signed_ballot(
        self, voter: Member, poll: dict[str, Any], choice: str
    ) -> dict[str, Any]:
        issued = await self.post(
            voter,
            f"/api/polls/{poll['id']}/ballots/options",
            {"question": poll["question_id"], "choice": choice},
        )
        assert issued.status_code == 200, issued.text
        body = issued.json()
        assert voter.device is not None
        return {"payload": body["payload"], "credential": voter.device.assert_(body["publicKey"])}

    # --- fan-out, one vote at a time ------------------------------------------------

    def tablets(self, count: int, meeting: int | None, *, bare: bool) -> list[Tablet]:
        members = self.seeded.members[:count]
        return [
            Tablet(
                None if bare else m.token,
                None if bare else meeting,
                resync=None if bare else self.snapshot,
            )
            for m in members
        ]

    async def snapshot(self, token: str, meeting: int) -> dict[str, Any]:
        answer = await self.http.get(
            f"{self.ours.url}/api/meetings/{meeting}/session",
            headers={"Cookie": f"ecab_session={token}"},
        )
        self.http.cookies.clear()
        result: dict[str, Any] = answer.json()
        return result

    async def fanout(self, count: int, *, bare: bool) -> dict[str, Any]:
        server = self.bare if bare else self.ours
        tablets = self.tablets(count, self.seeded.meeting_id, bare=bare)
        before = server.rss_bytes()
        await open_all(tablets, server.url.replace("http", "ws") + "/ws", ORIGIN)
        await asyncio.sleep(1.0)
        memory = (server.rss_bytes() - before) / count
        board = Arrivals(count)
        poll = None
        if bare:
            await self.http.post(self.bare.url + "/reset")
        else:
            poll = await self.new_poll()
        for tablet in tablets:
            tablet.follow(board, None if poll is None else poll["id"])
        if poll is not None:
            await board.all_at(0, WAIT)
        cpu = server.cpu_seconds()
        samples = [await self._one_vote(n, board, poll) for n in range(1, self.args.votes + 1)]
        cpu = server.cpu_seconds() - cpu
        if poll is not None:
            await self.close_poll(poll)
        for tablet in tablets:
            await tablet.close()
        return {
            "tablets": count,
            "resyncs": sum(t.resyncs for t in tablets),
            "ack": [s[0] for s in samples],
            "request": [s[1] for s in samples],
            "cpu_per_message_us": cpu / (self.args.votes * count) * 1e6,
            "memory_per_connection_kib": memory / 1024,
        }

    async def _one_vote(
        self, count: int, board: Arrivals, poll: dict[str, Any] | None
    ) -> tuple[float, float]:
        if poll is None:
            started = time.perf_counter()
            answer = await self.http.post(self.bare.url + "/bump")
        else:
            voter = self.seeded.voters[count - 1]
            signed = await self.signed_ballot(voter, poll, "for")
            started = time.perf_counter()
            answer = await self.post(voter, f"/api/polls/{poll['id']}/ballots", signed)
        acknowledged = time.perf_counter()
        assert answer.status_code in (200, 201), answer.text
        try:
            everyone = await board.all_at(count, WAIT)
        except TimeoutError:
            print(
                f"count {count} reached by {board.reached.get(count, 0)} of {board.tablets}",
                file=sys.stderr,
            )
            raise
        return (everyone - acknowledged) * 1000, (everyone - started) * 1000

    async def ballot_cost(self, votes: int) -> float:
        """Server CPU of one vote's own work (its options and the verified, stored
        ballot) with nobody watching, so the fan-out's share can be told apart."""
        poll = await self.new_poll()
        cpu = self.ours.cpu_seconds()
        for voter in self.seeded.voters[:votes]:
            signed = await self.signed_ballot(voter, poll, "for")
            answer = await self.post(voter, f"/api/polls/{poll['id']}/ballots", signed)
            assert answer.status_code == 201, answer.text
        cpu = self.ours.cpu_seconds() - cpu
        await self.close_poll(poll)
        return cpu / votes

    # --- a burst of ballots within one second ---------------------------------------

    async def burst(self, *, bare: bool) -> dict[str, Any]:
        count, ballots = self.args.burst_tablets, self.args.burst
        server = self.bare if bare else self.ours
        tablets = self.tablets(count, self.seeded.meeting_id, bare=bare)
        await open_all(tablets, server.url.replace("http", "ws") + "/ws", ORIGIN)
        board = Arrivals(count)
        poll, signed = None, []
        if bare:
            await self.http.post(self.bare.url + "/reset")
        else:
            poll = await self.new_poll()
            signed = [
                await self.signed_ballot(v, poll, "for" if n % 3 else "against")
                for n, v in enumerate(self.seeded.voters[:ballots])
            ]
        for tablet in tablets:
            tablet.follow(board, None if poll is None else poll["id"])
        # Fresh connections for the burst: none the server may have closed while idle.
        await self.http.aclose()
        self.http = httpx.AsyncClient(
            timeout=60, limits=httpx.Limits(max_connections=100, max_keepalive_connections=100)
        )
        start = time.perf_counter() + 0.2
        acks = await asyncio.gather(
            *(self._scheduled(start + n / ballots, n, poll, signed) for n in range(ballots))
        )
        last_ack = max(at for at, ok in acks)
        everyone = await board.all_at(ballots, WAIT)
        stored = ballots if poll is None else await self._stored(poll)
        if poll is not None:
            await self.close_poll(poll)
        for tablet in tablets:
            await tablet.close()
        return {
            "tablets": count,
            "sent": ballots,
            "acknowledged": sum(ok for _, ok in acks),
            "stored": stored,
            "sent_within_ms": (last_ack - start) * 1000,
            "final_count_after_last_ack_ms": (everyone - last_ack) * 1000,
        }

    async def _scheduled(
        self, at: float, n: int, poll: dict[str, Any] | None, signed: list[dict[str, Any]]
    ) -> tuple[float, bool]:
        await asyncio.sleep(max(0.0, at - time.perf_counter()))
        if poll is None:
            answer = await self.http.post(self.bare.url + "/bump")
        else:
            answer = await self.post(
                self.seeded.voters[n], f"/api/polls/{poll['id']}/ballots", signed[n]
            )
        return time.perf_counter(), answer.status_code in (200, 201)

    async def _stored(self, poll: dict[str, Any]) -> int:
        answer = await self.http.get(
            f"{self.ours.url}/api/meetings/{self.seeded.meeting_id}/session",
            headers={"Cookie": f"ecab_session={self.seeded.members[0].token}"},
        )
        self.http.cookies.clear()
        cast: int = answer.json()["poll"]["cast"]
        return cast

    # --- a tablet that stops reading ------------------------------------------------

    async def check_in(self, voter: Member) -> None:
        meeting = self.seeded.meeting_id
        options = await self.post(
            voter, f"/api/meetings/{meeting}/checkin/options", {"mode": "room"}
        )
        assert options.status_code == 200 and voter.device is not None, options.text
        credential = voter.device.assert_(options.json()["publicKey"])
        answer = await self.post(
            voter, f"/api/meetings/{meeting}/checkin", {"credential": credential}
        )
        assert answer.status_code == 200, answer.text

    async def slow(self) -> dict[str, Any]:
        count = self.args.slow_tablets
        tablets = self.tablets(count, self.seeded.meeting_id, bare=False)
        url = self.ours.url.replace("http", "ws") + "/ws"
        stalled = Tablet(self.seeded.members[count].token, self.seeded.meeting_id)
        await stalled.open(url, ORIGIN, stalled=True)
        # Members checking in send the whole member list: enough of them fill the stalled
        # tablet's socket and the kernel's buffers (up to 4 MB on loopback).
        size = len(
            json.dumps(await self.snapshot(self.seeded.members[0].token, self.seeded.meeting_id))
        )
        for voter in self.seeded.voters[: min(100, 10_000_000 // size + 1)]:
            await self.check_in(voter)
        await open_all(tablets, url, ORIGIN)
        board = Arrivals(count)
        poll = await self.new_poll()
        for tablet in tablets:
            tablet.follow(board, poll["id"])
        await board.all_at(0, WAIT)
        samples = [await self._one_vote(n, board, poll) for n in range(1, self.args.votes + 1)]
        # Now read what the stalled tablet was sent: its backlog ends with "resync". Through
        # its tiny receive window the megabytes queued in the kernel take a while.
        stalled.keep, stalled.frames = True, []
        stalled.task = asyncio.get_running_loop().create_task(stalled._read())
        deadline, heard = time.monotonic() + 60, (time.monotonic(), 0)
        while time.monotonic() < deadline and not any('"resync"' in f for f in stalled.frames):
            await asyncio.sleep(0.2)
            if len(stalled.frames) != heard[1]:
                heard = (time.monotonic(), len(stalled.frames))
            elif time.monotonic() - heard[0] > 5:
                break
        closed_by_server = None if stalled.socket is None else stalled.socket.close_code
        await self.close_poll(poll)
        for tablet in [*tablets, stalled]:
            await tablet.close()
        kinds = [json.loads(f)["type"] for f in stalled.frames]
        return {
            "tablets": count,
            "ack": [s[0] for s in samples],
            "stalled_received": len(kinds),
            "stalled_told_to_resync": "resync" in kinds,
            "stalled_closed_with": closed_by_server,
        }


def summary(values: list[float]) -> dict[str, float]:
    return {
        "p50": percentile(values, 0.5),
        "p95": percentile(values, 0.95),
        "p99": percentile(values, 0.99),
        "max": max(values),
        "mean": statistics.fmean(values),
    }


def ratio(ours: float, floor: float) -> str:
    return f"{ours / floor:.2f}x" if floor > 0 else "n/a"


def table(
    fanout: list[tuple[dict[str, Any], dict[str, Any]]],
    bursts: tuple[dict[str, Any], dict[str, Any]],
    slow: dict[str, Any],
) -> str:
    def ms(s: dict[str, float]) -> str:
        return f"{s['p50']:.1f} / {s['p95']:.1f} / {s['p99']:.1f} / {s['max']:.1f}"

    lines = [
        "| tablets | e-Cabinet: ack → every tablet, p50 / p95 / p99 / max (ms) | floor "
        "(ms) | p99 ratio | request → every tablet p99 (ms) | CPU per message, all "
        "(µs) e-Cabinet / floor | CPU per message, delivery only (µs) | memory per "
        "connection (KiB) e-Cabinet / floor |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for ours, bare in fanout:
        a, b = summary(ours["ack"]), summary(bare["ack"])
        request = summary(ours["request"])
        cpu, floor = ours["cpu_per_message_us"], bare["cpu_per_message_us"]
        delivery = ours["delivery_cpu_per_message_us"]
        memory, floor_memory = (
            ours["memory_per_connection_kib"],
            bare["memory_per_connection_kib"],
        )
        lines.append(
            f"| {ours['tablets']} | {ms(a)} | {ms(b)} | {ratio(a['p99'], b['p99'])} | "
            f"{request['p99']:.1f} | {cpu:.1f} / {floor:.1f} ({ratio(cpu, floor)}) | "
            f"{delivery:.1f} ({ratio(delivery, floor)}) | {memory:.1f} / "
            f"{floor_memory:.1f} ({ratio(memory, floor_memory)}) |"
        )
    costs = ", ".join(f"{ours['ballot_cpu_ms']:.1f}" for ours, _ in fanout)
    lines += [
        "",
        "One vote's own server work (its passkey options, then the ballot: WebAuthn "
        "verification, evidence, audit, commit), measured in each phase's server with "
        f'no tablet connected: {costs} ms of CPU. "Delivery only" is the CPU per '
        "message once that is taken out.",
    ]
    ours, bare = bursts
    lines += [
        "",
        "| burst | sent | acknowledged | stored | sent within (ms) | last ack → every "
        "tablet on the final count (ms) |",
        "|---|---|---|---|---|---|",
    ]
    for name, row in (("e-Cabinet", ours), ("floor", bare)):
        lines.append(
            f"| {name}, {row['tablets']} tablets | {row['sent']} | "
            f"{row['acknowledged']} | {row['stored']} | {row['sent_within_ms']:.0f} | "
            f"{row['final_count_after_last_ack_ms']:.1f} |"
        )
    s = summary(slow["ack"])
    lines += [
        "",
        f"Slow tablet: with one tablet that stopped reading beside {slow['tablets']} "
        f"others, ack → every other tablet p50 / p99 = {s['p50']:.1f} / {s['p99']:.1f} ms; "
        f"the stalled tablet was told to resync: {slow['stalled_told_to_resync']}"
        f" (server closed it with code {slow['stalled_closed_with']}; 4408 = three "
        "heartbeats missed).",
    ]
    return "\n".join(lines)


async def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    url = args.database or f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    members = max([*args.tablets, args.burst_tablets, args.slow_tablets + 1])
    seeded = await seed(
        url,
        members=members,
        voters=max(args.votes, args.burst),
        items=3 * len(args.tablets) + 4,
        origin=ORIGIN,
        rp_id="localhost",
    )
    environment = {
        "PATH": "/usr/bin:/bin",
        "ECABINET_DATABASE_URL": url,
        "ECABINET_DATA_DIR": str(workdir / "data"),
        "ECABINET_ORIGIN": ORIGIN,
        "ECABINET_SESSION_SECRET": secrets.token_urlsafe(48),
        "ECABINET_WS_HEARTBEAT_SECONDS": "30",
        "ECABINET_PRESENCE_GRACE_SECONDS": "300",
        "ECABINET_WS_QUEUE_MESSAGES": str(args.queue),
        "ECABINET_SWEEP_SECONDS": "0",
        "ECABINET_LOG_LEVEL": "warning",
        "PYTHONPATH": str(ROOT),
    }
    ours = Server("ecabinet.app:create_app", environment, workdir / "ecabinet.log")
    bare = Server("bench.bare_server:app", environment, workdir / "bare.log")
    for server in (ours, bare):
        server.start()
    try:
        await _ready(ours.url + "/readyz", bare.url + "/reset")
        bench = Bench(args, seeded, ours, bare)
        assert (
            await bench.post(seeded.members[0], f"/api/meetings/{seeded.meeting_id}/session/open")
        ).is_success
        fanout = []
        for count in args.tablets:
            print(f"fan-out with {count} tablets...", flush=True)
            # Fresh processes, so that memory freed by a larger phase is not reused here.
            for server in (ours, bare):
                server.stop()
                server.start()
            await _ready(ours.url + "/readyz", bare.url + "/reset")
            await _warm_up(bench)
            # This process's own cost of a vote, nobody watching (it also warms its caches).
            await bench.ballot_cost(10)  # a fresh process compiles its queries first
            per_vote = await bench.ballot_cost(min(30, args.votes))
            ours_row = await bench.fanout(count, bare=False)
            ours_row["ballot_cpu_ms"] = per_vote * 1000
            ours_row["delivery_cpu_per_message_us"] = (
                ours_row["cpu_per_message_us"] - per_vote * 1e6 / count
            )
            fanout.append((ours_row, await bench.fanout(count, bare=True)))
        print("burst...", flush=True)
        bursts = (await bench.burst(bare=False), await bench.burst(bare=True))
        print("slow tablet...", flush=True)
        slow = await bench.slow()
        await bench.http.aclose()
    except BaseException:
        for server in (ours, bare):
            print(f"--- {server.log.name} (last lines) ---", file=sys.stderr)
            print("\n".join(server.log.read_text().splitlines()[-40:]), file=sys.stderr)
        raise
    finally:
        for server in (ours, bare):
            server.stop()
    report = table(fanout, bursts, slow)
    return {
        "report": report,
        "fanout": fanout,
        "burst": bursts,
        "slow": slow,
        "machine": f"{platform.machine()}, {platform.python_version()}",
        "database": "sqlite" if url.startswith("sqlite") else "postgresql",
    }


async def _ready(*urls: str) -> None:
    async with httpx.AsyncClient() as http:
        deadline = time.monotonic() + 60
        for url in urls:
            while True:
                try:
                    answer = await (http.get(url) if url.endswith("readyz") else http.post(url))
                    if answer.status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, f"{url} did not come up"
                await asyncio.sleep(0.2)


async def _warm_up(bench: Bench) -> None:
    """Connect and drop a few tablets on each server so that lazy start-up costs are not
    counted as the first phase's memory."""
    for bare in (False, True):
        server = bench.bare if bare else bench.ours
        tablets = bench.tablets(20, bench.seeded.meeting_id, bare=bare)
        await open_all(tablets, server.url.replace("http", "ws") + "/ws", ORIGIN)
        for tablet in tablets:
            await tablet.close()


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--tablets", default="100,500,1000,2000", type=lambda s: [int(x) for x in s.split(",")]
    )
    parser.add_argument("--votes", type=int, default=100)
    parser.add_argument("--burst", type=int, default=500)
    parser.add_argument("--burst-tablets", type=int, default=1000)
    parser.add_argument("--slow-tablets", type=int, default=1000)
    parser.add_argument(
        "--queue",
        type=int,
        default=64,
        help="ECABINET_WS_QUEUE_MESSAGES: small, so the slow tablet overflows",
    )
    parser.add_argument("--database", default="", help="default: a SQLite file in a temp dir")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "live.json"))
    return parser.parse_args()


def main() -> None:
    args = parse()
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    with tempfile.TemporaryDirectory(prefix="ecabinet-bench-") as workdir:
        result = asyncio.run(asyncio.wait_for(run(args, Path(workdir)), RUN_TIMEOUT))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1))
    print(result["report"])


if __name__ == "__main__":
    main()
