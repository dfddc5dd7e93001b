"""Recovery and presence: what a re-check-in and a room resyncing at once cost the server
with N tablets watching, before (whole states; every snapshot read for itself) and after
(presence frames; snapshots shared per meeting change and seat view), in one run.

For each variant, a real uvicorn server (run as `ecabinet serve` runs it, one process) on
its own freshly seeded database, N tablets following the open session over /ws. Then:
- re-check-ins: members already present check in again (a real passkey assertion each,
  alternating room / remote so each changes one line), one after another; measured: the
  bytes every tablet received per re-check-in, server CPU per re-check-in, and the time
  until every tablet has the last one;
- a resync stampede: every tablet fetches its snapshot at the same instant (what a
  database restart used to cause); measured: server CPU and the time until all have one.
Only 127.0.0.1 is used; every wait has a limit.

    python bench/bench_recovery.py [--watchers 200,1000] [--checkins 40]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import resource
import secrets
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Origin

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.live_clients import Server, percentile, wait_until_up  # noqa: E402
from bench.live_seed import Seeded, seed  # noqa: E402

ORIGIN = "http://localhost:8000"
WAIT = 120.0
VARIANTS = {"before": "bench.before_recovery:create_app", "after": "ecabinet.app:create_app"}


class Watcher:
    """A tablet following the meeting; counts what it receives."""

    def __init__(self, token: str, meeting: int) -> None:
        self.token, self.meeting = token, meeting
        self.bytes = 0
        self.seq = -1
        self.socket: ClientConnection | None = None
        self.task: asyncio.Task[None] | None = None

    async def open(self, url: str) -> None:
        self.socket = await connect(
            url,
            origin=Origin(ORIGIN),
            compression=None,
            proxy=None,
            additional_headers={"Cookie": f"ecab_session={self.token}"},
            open_timeout=60,
            ping_interval=None,
        )
        await self.socket.send(json.dumps({"type": "watch", "meeting": self.meeting}))
        while json.loads(await self.socket.recv())["type"] != "watching":
            pass
        self.task = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        assert self.socket is not None
        async for raw in self.socket:
            self.bytes += len(raw)
            message = json.loads(raw)
            if message["type"] == "ping":
                await self.socket.send('{"type":"pong"}')
            elif "seq" in message:
                self.seq = max(self.seq, int(message["seq"]))

    async def close(self) -> None:
        if self.socket is not None:
            await self.socket.close()
        if self.task is not None:
            await asyncio.gather(self.task, return_exceptions=True)


async def _all_reach(watchers: list[Watcher], seq: int) -> float:
    deadline = time.monotonic() + WAIT
    while any(w.seq < seq for w in watchers):
        assert time.monotonic() < deadline, f"tablets did not reach {seq}"
        await asyncio.sleep(0.005)
    return time.perf_counter()


async def _check_in(http: httpx.AsyncClient, server: Server, seeded: Seeded, n: int) -> int:
    member = seeded.voters[n % len(seeded.voters)]
    meeting = seeded.meeting_id
    cookie = {"Cookie": f"ecab_session={member.token}"}
    mode = "remote" if (n // len(seeded.voters)) % 2 == 0 else "room"
    options = await http.post(
        f"{server.url}/api/meetings/{meeting}/checkin/options", json={"mode": mode}, headers=cookie
    )
    assert options.status_code == 200 and member.device is not None, options.text
    answer = await http.post(
        f"{server.url}/api/meetings/{meeting}/checkin",
        headers=cookie,
        json={"credential": member.device.assert_(options.json()["publicKey"])},
    )
    http.cookies.clear()
    assert answer.status_code == 200, answer.text
    return int(answer.json()["seq"])


async def _variant(name: str, args: argparse.Namespace, workdir: Path) -> list[dict[str, Any]]:
    url = f"sqlite+aiosqlite:///{workdir / f'{name}.db'}"
    seeded = await seed(
        url,
        members=max(args.watchers) + 1,
        voters=args.checkins,
        items=3,
        origin=ORIGIN,
        rp_id="localhost",
    )
    environment = {
        "PATH": "/usr/bin:/bin",
        "ECABINET_DATABASE_URL": url,
        "ECABINET_DATA_DIR": str(workdir / f"data-{name}"),
        "ECABINET_ORIGIN": ORIGIN,
        "ECABINET_SESSION_SECRET": secrets.token_urlsafe(48),
        "ECABINET_WS_HEARTBEAT_SECONDS": "60",
        "ECABINET_PRESENCE_GRACE_SECONDS": "600",
        "ECABINET_SWEEP_SECONDS": "0",
        "ECABINET_LOG_LEVEL": "warning",
        "PYTHONPATH": str(ROOT),
    }
    server = Server(VARIANTS[name], environment, workdir / f"{name}.log")
    server.start()
    rows = []
    try:
        # Generous: a busy machine takes a while to import and start a server.
        await wait_until_up(server.url + "/readyz", within=300, every=0.5)
        async with httpx.AsyncClient(
            timeout=60, limits=httpx.Limits(max_connections=100, max_keepalive_connections=100)
        ) as http:
            chair = {"Cookie": f"ecab_session={seeded.members[0].token}"}
            opened = await http.post(
                f"{server.url}/api/meetings/{seeded.meeting_id}/session/open",
                json={"confirm": True},
                headers=chair,
            )
            http.cookies.clear()
            assert opened.is_success, opened.text
            for _ in range(3):  # warm up: the first requests compile queries
                await _check_in(http, server, seeded, 0)
            alone = server.cpu_seconds()
            for n in range(args.checkins):
                await _check_in(http, server, seeded, n)
            alone = (server.cpu_seconds() - alone) / args.checkins
            for count in args.watchers:
                rows.append(await _phase(http, server, seeded, count, args.checkins, alone))
                rows[-1]["variant"] = name
                print(f"{name}, {count} tablets: {rows[-1]}", flush=True)
    except BaseException:
        print(server.log.read_text()[-3000:], file=sys.stderr)
        raise
    finally:
        server.stop()
    return rows


async def _phase(
    http: httpx.AsyncClient, server: Server, seeded: Seeded, count: int, checkins: int, alone: float
) -> dict[str, Any]:
    watchers = [Watcher(m.token, seeded.meeting_id) for m in seeded.members[1 : count + 1]]
    ws = server.url.replace("http", "ws") + "/ws"
    for start in range(0, count, 100):
        await asyncio.gather(*(w.open(ws) for w in watchers[start : start + 100]))
    await asyncio.sleep(0.5)
    received = sum(w.bytes for w in watchers)
    cpu = server.cpu_seconds()
    started = time.perf_counter()
    last = 0
    for n in range(checkins):
        last = await _check_in(http, server, seeded, n)
    everyone = await _all_reach(watchers, last)
    checkin_cpu = server.cpu_seconds() - cpu
    received = sum(w.bytes for w in watchers) - received
    # The stampede: every tablet asks for its snapshot at the same instant.
    cpu = server.cpu_seconds()
    began = time.perf_counter()
    answers = await asyncio.gather(
        *(
            http.get(
                f"{server.url}/api/meetings/{seeded.meeting_id}/session",
                timeout=WAIT * 3,
                headers={"Cookie": f"ecab_session={w.token}"},
            )
            for w in watchers
        )
    )
    stampede = time.perf_counter() - began
    stampede_cpu = server.cpu_seconds() - cpu
    statuses = [a.status_code for a in answers]
    for watcher in watchers:
        await watcher.close()
    return {
        "tablets": count,
        "checkins": checkins,
        "bytes_per_checkin_per_tablet": received / checkins / count,
        "cpu_ms_per_checkin": checkin_cpu / checkins * 1000,
        "fanout_cpu_ms_per_checkin": (checkin_cpu / checkins - alone) * 1000,
        "all_tablets_after_s": everyone - started,
        "snapshot_bytes": percentile(
            [len(a.content) for a in answers if a.status_code == 200] or [0], 0.5
        ),
        "stampede_s": stampede,
        "stampede_cpu_ms_per_tablet": stampede_cpu / count * 1000,
        "stampede_ok": statuses.count(200),
        "stampede_503": statuses.count(503),
    }


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| variant | tablets | bytes per re-check-in per tablet | server CPU per "
        "re-check-in (ms), of it fan-out | N re-check-ins → every tablet (s) | "
        "snapshot (bytes) | all tablets fetch at once: wall (s) / CPU per tablet (ms) "
        "| of them answered 200 / 503 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['variant']} | {r['tablets']} | "
            f"{r['bytes_per_checkin_per_tablet']:.0f} | {r['cpu_ms_per_checkin']:.1f}"
            f", {r['fanout_cpu_ms_per_checkin']:.1f} | {r['all_tablets_after_s']:.2f} | "
            f"{r['snapshot_bytes']:.0f} | {r['stampede_s']:.2f} / "
            f"{r['stampede_cpu_ms_per_tablet']:.2f} | {r['stampede_ok']} / "
            f"{r['stampede_503']} |"
        )
    return "\n".join(lines)


async def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    rows = []
    for name in VARIANTS:
        rows += await _variant(name, args, workdir)
    return {
        "rows": rows,
        "report": table(rows),
        "machine": f"{platform.machine()}, {platform.python_version()}",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--watchers", default="200,1000", type=lambda s: [int(x) for x in s.split(",")]
    )
    parser.add_argument("--checkins", type=int, default=40)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "recovery.json"))
    args = parser.parse_args()
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    with tempfile.TemporaryDirectory(prefix="ecabinet-recovery-") as workdir:
        result = asyncio.run(asyncio.wait_for(run(args, Path(workdir)), 1800))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1))
    print(result["report"])


if __name__ == "__main__":
    main()
