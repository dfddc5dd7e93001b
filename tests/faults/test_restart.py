"""The database restarts in the middle of a vote: while it is down the server says so at
once (503 from /readyz and from a tablet's snapshot, with Retry-After, not a hung
request), and once /readyz is 200 again tallies flow at once: the next ballot is accepted
at the first attempt and pushed to every tablet, with no server restarted.

What "flowing" means here is measured from events the server controls, not from the
test's own pace: /readyz answers 200 only once the process listens to the database again,
so the ballot cast right after it reaches every tablet as a pushed frame, within
``FLOWING_SECONDS`` of its acknowledgement (issue 13's bound; milliseconds when the
machine is quiet, see docs/operations.md), never by waiting for the tablets' next resync,
which a room of 2,000 tablets spreads over 8 s. The figures are printed for the record."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx

from ..support.processes import eventually
from .cluster import single_node
from .underway import vote_underway

FLOWING_SECONDS = 3.0


async def test_tallies_flow_again_once_the_restarted_database_is_ready(tmp_path: Path) -> None:
    with single_node() as (node, url):
        underway = await vote_underway(url, tmp_path, extra_members=2)
        voters, followers, poll = underway.voters, underway.followers, underway.poll
        server, meeting = underway.server, underway.live.meeting_id
        try:
            assert (await voters[0].vote(poll, "for")).status_code == 201
            await eventually(
                lambda: all(f.cast == 1 for f in followers),
                within=20,
                what="the first ballot on every tablet",
                followers=followers,
            )

            await asyncio.to_thread(node.crash)
            async with httpx.AsyncClient(base_url=server.url, timeout=10) as probe:
                down = await probe.get("/readyz")
                assert down.status_code == 503, down.text
                # A tablet asking for its snapshot is told to come back, and when.
                later = await voters[1].client.get(f"/api/meetings/{meeting}/session")
                assert later.status_code == 503, later.text
                assert later.headers["Retry-After"] == "2"
                await asyncio.to_thread(node.start)
                back = time.monotonic()
                for _ in range(300):
                    if (await probe.get("/readyz")).status_code == 200:
                        ready = time.monotonic()
                        break
                    await asyncio.sleep(0.1)
                else:
                    raise AssertionError("/readyz never came back")

            # The next ballot, at once: accepted at the first attempt...
            answer = await voters[1].vote(poll, "against")
            acknowledged = time.monotonic()
            assert answer.status_code == 201, answer.text
            # ...and pushed to every tablet: a frame accounting for it (its sequence
            # number or a later one) reaches each, whatever its resync fetched meanwhile.
            counted = (await voters[1].snapshot(meeting))["seq"]
            await eventually(
                lambda: all(any(seq >= counted for _, seq in f.pushed) for f in followers),
                within=20,
                what="the ballot after the restart pushed to every tablet",
                followers=followers,
            )
            await eventually(
                lambda: all(f.cast == 2 for f in followers),
                within=20,
                what="ballot 2 on every tablet",
                followers=followers,
            )
            pushed = max(min(at for at, seq in f.pushed if seq >= counted) for f in followers)
            print(
                f"\ndatabase up -> /readyz 200: {ready - back:.3f} s; /readyz 200 -> ballot "
                f"acknowledged: {acknowledged - ready:.3f} s; acknowledged -> on every "
                f"tablet: {pushed - acknowledged:.3f} s"
            )
            assert pushed - acknowledged <= FLOWING_SECONDS

            for count, one in enumerate(voters[2:], start=3):
                answer = await one.vote(poll, "against")
                assert answer.status_code == 201, answer.text
                await eventually(
                    lambda n=count: all(f.cast == n for f in followers),
                    within=20,
                    what=f"ballot {count} on every tablet",
                    followers=followers,
                )
        finally:
            await underway.close()
