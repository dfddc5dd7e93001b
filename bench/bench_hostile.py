"""An ordinary member's pages while hostile requests run, and without them, in one run.

One real server (`ecabinet serve`, SQLite, default budgets except a 5 s render timeout so
that the run stays short) on loopback. An ordinary member opens pages of a document one
after another, each page drawn for the first time (no cache hit), first with no other
load, then while 8 hostile requests are kept in flight: 4 by a hostile member asking for
pages of a PDF that takes PDFium minutes per page, and 4 anonymous uploads to the public
minutes verification page of a PDF whose attachment inflates to 1.5 GB. Reported: the
ordinary member's page latency (p50, p99, max), the hostile answers by status, and the
resident memory of the server process and of its worker processes.

Everything is bounded: a fixed number of pages, request timeouts, and the hostile load
stops when the ordinary member is done.

    python bench/bench_hostile.py [--pages 60]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.hostile.conftest import (  # noqa: E402
    Member,
    _free_port,
    _seat,
    _signed_in,
    _wait_until_up,
)
from tests.support.database import migrate, run_blocking  # noqa: E402
from tests.support.hostile_files import evidence_bomb, raw_pdf  # noqa: E402
from tests.support.packets import make_pdf, meeting_body  # noqa: E402

WIDTHS = (600, 900, 1200, 1600, 2000)
HOSTILE_IN_FLIGHT = 8


def rss_kb(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return 0
    lines = [x for x in status.splitlines() if x.startswith("VmRSS:")]
    return int(lines[0].split()[1]) if lines else 0  # a process exiting has none


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue  # gone meanwhile
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


class Sampler(threading.Thread):
    """The largest resident memory seen, of the server and of its workers together."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.server = 0
        self.workers = 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.2):
            self.server = max(self.server, rss_kb(self.pid))
            self.workers = max(self.workers, sum(rss_kb(c) for c in children(self.pid)))


def upload(secretariat: Member, item: int, name: str, data: bytes) -> str:
    made = secretariat.client.post(
        f"/api/items/{item}/documents",
        headers=secretariat.csrf,
        files={"file": (f"{name}.pdf", data, "application/pdf")},
        data={"title": name, "classification": "internal"},
    )
    assert made.status_code == 201, made.text
    return str(made.json()["pageUrl"])


def packet(secretariat: Member, pages: int) -> dict[str, str]:
    client, headers = secretariat.client, secretariat.csrf
    meeting = client.post(
        f"/api/bodies/{secretariat.seat.body_id}/meetings", json=meeting_body(), headers=headers
    ).json()["id"]
    item = client.post(
        f"/api/meetings/{meeting}/items",
        headers=headers,
        json={"title": "Dự án Luật Thuế", "kind": "decision", "presenter": "Bộ Tài chính"},
    ).json()["id"]
    count = -(-pages // len(WIDTHS))
    urls = {
        "quiet": upload(secretariat, item, "quiet", make_pdf(count, "Du thao A")),
        "attacked": upload(secretariat, item, "attacked", make_pdf(count, "Du thao B")),
        "slow": upload(
            secretariat, item, "slow", raw_pdf([b"0 0 m 500 800 l 10 700 l h S\n" * 300_000] * 40)
        ),
    }
    assert (
        client.post(f"/api/meetings/{meeting}/publish", json={}, headers=headers).status_code == 200
    )
    return urls


def read_pages(member: Member, page_url: str, pages: int, statuses: Counter[str]) -> list[float]:
    latencies = []
    for index in range(pages):
        number, width = index // len(WIDTHS) + 1, WIDTHS[index % len(WIDTHS)]
        started = time.perf_counter()
        answer = member.client.get(page_url.replace("{n}", str(number)), params={"w": str(width)})
        latencies.append(time.perf_counter() - started)
        statuses[f"ordinary page {answer.status_code}"] += 1
    return latencies


def hostile_load(
    origin: str, hostile: Member, slow_url: str, stop: threading.Event, statuses: Counter[str]
) -> list[threading.Thread]:
    import httpx

    bomb = evidence_bomb(1500)
    pages = iter(range(1, 41))
    lock = threading.Lock()

    def slow_pages() -> None:
        while not stop.is_set():
            with lock:
                number = next(pages, None)
            if number is None:
                return
            answer = hostile.client.get(slow_url.replace("{n}", str(number)))
            statuses[f"slow page {answer.status_code}"] += 1

    def bombs() -> None:
        with httpx.Client(base_url=origin, timeout=120) as client:
            page = client.get("/minutes/verify").text
            token = page.split('name="csrf_token" value="')[1].split('"')[0]
            while not stop.is_set():
                answer = client.post(
                    "/minutes/verify", data={"csrf_token": token}, files={"pdf": ("bomb.pdf", bomb)}
                )
                statuses[f"verify bomb {answer.status_code}"] += 1

    threads = [threading.Thread(target=slow_pages, daemon=True) for _ in range(4)]
    threads += [threading.Thread(target=bombs, daemon=True) for _ in range(4)]
    assert len(threads) == HOSTILE_IN_FLIGHT
    for thread in threads:
        thread.start()
    return threads


def summary(latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies)
    return {
        "p50_ms": 1000 * statistics.median(ordered),
        "p99_ms": 1000 * ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))],
        "max_ms": 1000 * ordered[-1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=60)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-hostile-") as scratch:
        port = _free_port()
        database = f"sqlite+aiosqlite:///{scratch}/ecabinet.db"
        run_blocking(migrate(database))
        values = {
            "database_url": database,
            "data_dir": f"{scratch}/data",
            "origin": f"http://localhost:{port}",
            "session_secret": "bench-" + "x" * 40,
            "log_level": "warning",
            "sweep_seconds": "0",
            "render_timeout_seconds": "5",
        }
        env = {**os.environ, **{f"ECABINET_{k.upper()}": v for k, v in values.items()}}
        server = subprocess.Popen(
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
            cwd=ROOT,
            stderr=subprocess.DEVNULL,
        )
        try:
            result = measure(server, values, options.pages)
        finally:
            server.terminate()
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(10)
    result["machine"] = (
        f"{platform.machine()}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
    )
    print(json.dumps(result, indent=2))


def measure(
    server: subprocess.Popen[bytes], values: dict[str, str], pages: int
) -> dict[str, object]:
    from ecabinet.settings import load_settings

    settings = load_settings(environ={f"ECABINET_{k.upper()}": v for k, v in values.items()})
    _wait_until_up(settings.origin, server)
    seats = run_blocking(_seat(settings))
    secretariat, member, hostile = (
        _signed_in(settings, seats[role]) for role in ("secretariat", "member", "chair")
    )
    urls = packet(secretariat, pages)
    sampler = Sampler(server.pid)
    sampler.start()
    quiet_statuses = Counter[str]()
    quiet = read_pages(member, urls["quiet"], pages, quiet_statuses)
    quiet_rss = (sampler.server, sampler.workers)
    sampler.server = sampler.workers = 0
    stop, statuses = threading.Event(), Counter[str]()
    threads = hostile_load(settings.origin, hostile, urls["slow"], stop, statuses)
    time.sleep(1.0)  # the attacks are under way
    attacked = read_pages(member, urls["attacked"], pages, statuses)
    stop.set()
    for thread in threads:
        thread.join(150)
    sampler.stop.set()
    return {
        "pages_each_phase": pages,
        "no_hostile_load": {
            **summary(quiet),
            "server_rss_mb": quiet_rss[0] // 1024,
            "workers_rss_mb": quiet_rss[1] // 1024,
            "answers": dict(quiet_statuses),
        },
        "8_hostile_requests": {
            **summary(attacked),
            "server_rss_mb": sampler.server // 1024,
            "workers_rss_mb": sampler.workers // 1024,
        },
        "answers_under_attack": dict(statuses),
    }


if __name__ == "__main__":
    main()
