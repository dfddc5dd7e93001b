"""The database restarts in the middle of a vote: while it is down the server says so at
once (503 from /readyz and from a tablet's snapshot, with Retry-After, not a hung
request), and once /readyz is 200 again the next ballot is accepted at the first attempt
and reaches every tablet, with no server restarted."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from ..postgres.conftest import eventually
from .cluster import single_node
from .underway import vote_underway


async def test_tallies_flow_again_once_the_restarted_database_is_ready(tmp_path: Path) -> None:
    with single_node() as (node, url):
        underway = await vote_underway(url, tmp_path, extra_members=2)
        voters, followers, poll = underway.voters, underway.followers, underway.poll
        server = underway.server
        try:
            assert (await voters[0].vote(poll, "for")).status_code == 201
            await eventually(
                lambda: all(f.cast == 1 for f in followers),
                within=20,
                what="the first ballot on every tablet",
            )

            await asyncio.to_thread(node.crash)
            async with httpx.AsyncClient(base_url=server.url, timeout=10) as probe:
                down = await probe.get("/readyz")
                assert down.status_code == 503, down.text
                # A tablet asking for its snapshot is told to come back, and when.
                meeting = underway.live.meeting_id
                later = await voters[1].client.get(f"/api/meetings/{meeting}/session")
                assert later.status_code == 503, later.text
                assert later.headers["Retry-After"] == "2"
                await asyncio.to_thread(node.start)
                for _ in range(300):
                    if (await probe.get("/readyz")).status_code == 200:
                        break
                    await asyncio.sleep(0.1)
                else:
                    raise AssertionError("/readyz never came back")

            for count, one in enumerate(voters[1:], start=2):
                answer = await one.vote(poll, "against")
                assert answer.status_code == 201, answer.text
                await eventually(
                    lambda n=count: all(f.cast == n for f in followers),
                    within=20,
                    what=f"ballot {count} on every tablet",
                )
        finally:
            await underway.close()
