"""A server process dies with SIGKILL in the middle of a burst of ballots, behind nginx
configured as deploy/nginx.conf: the voters whose answer was lost (nginx's 502) send the
same signed ballot again, as the tablet does, and are told the truth: a receipt for the
ballot counted once, through the process still running. No ballot is lost or counted
twice, a tablet unsure of its answer gets its original receipt back, and the tablets
following the vote through nginx converge on the count.

The process is frozen (SIGSTOP) before the burst and killed once every ballot is either
answered by the other process or sitting unread in the frozen one's sockets, so that its
share is, every time, in flight when it dies (no guess at how long the other one takes).
The voters retry as the tablet does (static/js/api.js): five pauses, 15.5 s in all."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path
from typing import Any

import httpx
from sqlmodel import col, select

from ecabinet.db import Database
from ecabinet.models import Ballot

from ..support.live import Tablet
from ..support.processes import Follower, Process, eventually
from .cluster import single_node
from .nginx import nginx_in_front
from .underway import vote_underway

LOST = (502, 503, 504)


def through(one: Tablet, front: str) -> Tablet:
    return Tablet(
        httpx.AsyncClient(base_url=front, cookies=one.client.cookies, timeout=30),
        one.device,
        one.seat,
    )


async def _until_answered(one: Tablet, url: str, signed: dict[str, Any]) -> httpx.Response:
    """static/js/api.js postUntilAnswered: the same signed ballot again while its answer is
    lost, after pauses of 0.5, 1, 2, 4 and 8 s."""
    last: object = None
    for attempt in range(6):
        try:
            answer = await one.client.post(url, json=signed)
            if answer.status_code not in LOST:
                return answer
            last = (answer.status_code, answer.text[:300])
        except httpx.TransportError as error:
            last = error
        await asyncio.sleep(0.5 * 2**attempt)
    raise AssertionError(f"the ballot was never answered: {last!r}")


# A ballot request is headers (cookie, forwarded-for) and a signed body: more than a
# kilobyte. The smallest thing a tablet's websocket sends is a pong of some 20 bytes.
REQUEST_BYTES = 200


def _unread_requests(port: int) -> int:
    """Connections to this loopback port holding a request its process has not read: with
    the process frozen, the requests nginx passed to it. A websocket to it (a tablet
    following through nginx) may hold a pong to the frozen process's last ping, not a
    request: the size tells them apart."""
    unread = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        _slot, local, _remote, state, queues, *_rest = line.split()
        established = state == "01"
        waiting = int(queues[9:], 16)
        if established and int(local.split(":")[1], 16) == port and waiting > REQUEST_BYTES:
            unread += 1
    return unread


async def _split(
    burst: list[asyncio.Task[httpx.Response]], frozen: Process
) -> tuple[set[asyncio.Task[httpx.Response]], int]:
    """Wait until every ballot of the burst is either answered (by the running process)
    or waiting, unread, at the frozen one; return the answered and how many wait."""
    for _ in range(1200):  # a minute at most
        done = {task for task in burst if task.done()}
        unread = _unread_requests(frozen.port)
        # At least: a tablet's snapshot sent through nginx to the frozen process meanwhile
        # waits there too, unread.
        if len(done) + unread >= len(burst):
            return done, unread
        await asyncio.sleep(0.05)
    raise AssertionError(f"{len(burst)} ballots sent, {len(done)} answered, {unread} unread")


async def test_voters_of_a_process_killed_mid_burst_learn_the_truth(tmp_path: Path) -> None:
    with single_node() as (_node, url):
        # Four voters: round robin gives each process two, so the killed one dies with
        # two ballots in flight and the other answers two.
        underway = await vote_underway(url, tmp_path, extra_members=2, spares=1, followers=0)
        first, poll, meeting = underway.server, underway.poll, underway.live.meeting_id
        [second] = underway.spares
        voters: list[Tablet] = []
        followers: list[Follower] = []
        try:
            signed = [
                (await one.ballot(poll, "for" if n % 3 else "against"))[1]
                for n, one in enumerate(underway.voters)
            ]
            await asyncio.to_thread(second.wait_ready)
            with nginx_in_front([first, second]) as front:
                voters = [through(one, front) for one in underway.voters]
                proxy = Process(int(front.rsplit(":", 1)[1]), {}, tmp_path / "unused.log")
                followers = [
                    Follower(
                        underway.settings.origin,
                        str(one.client.cookies["ecab_session"]),
                        meeting,
                        [proxy],
                    )
                    for one in voters[:2]
                ]
                for follower in followers:
                    await follower.start()
                await eventually(
                    lambda: all(f.cast == 0 for f in followers),
                    within=20,
                    what="the tablets following through nginx",
                    followers=followers,
                )

                cast = f"/api/polls/{poll['id']}/ballots"
                assert first.popen is not None
                first.popen.send_signal(signal.SIGSTOP)
                burst = [
                    asyncio.create_task(one.client.post(cast, json=body))
                    for one, body in zip(voters, signed, strict=True)
                ]
                _answered, in_flight = await _split(burst, first)
                first.kill()
                answers = await asyncio.gather(*burst, return_exceptions=True)

                told: list[str] = []
                lost = 0
                for one, body, answer in zip(voters, signed, answers, strict=True):
                    if isinstance(answer, httpx.Response) and answer.status_code == 201:
                        told.append(answer.json()["receipt"])
                        continue
                    assert isinstance(answer, httpx.TransportError) or (
                        isinstance(answer, httpx.Response) and answer.status_code in LOST
                    ), answer
                    lost += 1
                    again = await _until_answered(one, cast, body)
                    assert again.status_code in (200, 201), again.text
                    told.append(again.json()["receipt"])
                # The frozen process held its share of the burst when it died (what else
                # waited there unread was a tablet's snapshot, which nginx sends again).
                assert 1 <= lost <= in_flight, (in_flight, lost, answers)

                # Every voter's screen shows the receipt it was told, and a tablet unsure
                # of its answer that sends its ballot again gets that same receipt.
                for one, body, receipt in zip(voters, signed, told, strict=True):
                    mine = (await one.snapshot(meeting))["me"]["ballot"]
                    assert mine is not None and mine["receipt"] == receipt
                    again = await one.client.post(cast, json=body)
                    assert again.status_code == 200 and again.json()["resent"], again.text
                    assert again.json()["receipt"] == receipt

                await eventually(
                    lambda: all(f.cast == len(voters) for f in followers),
                    within=20,
                    what="every tablet on the final count",
                    followers=followers,
                )
                db = Database(url)
                try:
                    async with db.read() as session:
                        stored = list(
                            (
                                await session.exec(
                                    select(Ballot.receipt).where(
                                        Ballot.question_id == poll["question_id"],
                                        col(Ballot.superseded_by_id).is_(None),
                                    )
                                )
                            ).all()
                        )
                finally:
                    await db.dispose()
                assert sorted(stored) == sorted(told) and len(set(told)) == len(voters)
        finally:
            for follower in followers:
                await follower.stop()
            for one in voters:
                await one.client.aclose()
            await underway.close()
