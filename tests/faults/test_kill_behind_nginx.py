"""A server process dies with SIGKILL in the middle of a burst of ballots, behind nginx
configured as deploy/nginx.conf: the voters whose answer was lost (nginx's 502) send the
same signed ballot again, as the tablet does, and are told the truth: a receipt for the
ballot counted once, through the process still running. No ballot is lost or counted
twice, a tablet unsure of its answer gets its original receipt back, and the tablets
following the vote through nginx converge on the count.

The process is frozen (SIGSTOP) before the burst and killed once the other process has
answered its share, so that its share is, every time, in flight when it dies."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path
from typing import Any

import httpx
from sqlmodel import col, select

from ecabinet.db import Database
from ecabinet.models import Ballot

from ..postgres.conftest import Follower, Process, eventually, free_port
from ..support.live import Tablet
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
    """The tablet's postUntilAnswered: the same signed ballot, until an answer comes."""
    last: object = None
    for _ in range(50):
        try:
            answer = await one.client.post(url, json=signed)
            if answer.status_code not in LOST:
                return answer
            last = (answer.status_code, answer.text[:300])
        except httpx.TransportError as error:
            last = error
        await asyncio.sleep(0.1)
    raise AssertionError(f"the ballot was never answered: {last!r}")


async def _answered_by_the_other(
    burst: list[asyncio.Task[httpx.Response]],
) -> set[asyncio.Task[httpx.Response]]:
    """The answers of the running process: wait until no more come (the frozen one's
    never will)."""
    done: set[asyncio.Task[httpx.Response]] = set()
    for _ in range(50):
        finished, _pending = await asyncio.wait(burst, timeout=0.5)
        if finished and len(finished) == len(done):
            break
        done = finished
    return done


async def test_voters_of_a_process_killed_mid_burst_learn_the_truth(tmp_path: Path) -> None:
    with single_node() as (_node, url):
        underway = await vote_underway(url, tmp_path, extra_members=5)
        first, poll, meeting = underway.server, underway.poll, underway.live.meeting_id
        second = Process(free_port(), first.environment, tmp_path / "server-2.log")
        second.spawn()  # starts while the ballots are signed
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
                )

                cast = f"/api/polls/{poll['id']}/ballots"
                assert first.popen is not None
                first.popen.send_signal(signal.SIGSTOP)
                burst = [
                    asyncio.create_task(one.client.post(cast, json=body))
                    for one, body in zip(voters, signed, strict=True)
                ]
                done = await _answered_by_the_other(burst)
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
                # The frozen process held its share of the burst when it died.
                assert len(done) < len(voters) and lost == len(voters) - len(done)

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
            second.stop()
            await underway.close()
