"""The roll-call view of an open vote: chosen by the chair when opening it, refused for a
secret ballot, saying why; the state names each seat of the electorate and how it has
voted, for the chair's page and the room display alike."""

from __future__ import annotations

import httpx

from ecabinet.db import Database
from ecabinet.settings import Settings

from ..support.live import OPEN_ANYWAY, Tablet, make_session, post, seat_tablet


async def test_an_open_vote_shows_who_voted_how_and_a_secret_one_cannot(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    tablets: list[Tablet],
) -> None:
    live = await make_session(
        db, settings, extra_members=1, secret_ballot_allowed=True, quorum_numerator=1
    )
    chair = await seat_tablet(client, settings, live, "chair", tablets)
    member = await seat_tablet(client, settings, live, "member", tablets)
    meeting, item = live.meeting_id, live.items[1]
    await post(chair, f"/api/meetings/{meeting}/session/open", OPEN_ANYWAY)
    for one in (chair, member):
        assert (await one.check_in(meeting)).status_code == 200
    await post(chair, f"/api/meetings/{meeting}/session/next", {"item": item})

    secret = await chair.client.post(
        f"/api/items/{item}/polls", json={"secret": True, "roll_call": True}
    )
    assert secret.status_code == 422
    assert secret.json()["detail"] == (
        "A secret ballot has no roll-call view: it would show who voted how. "
        "Choose an open ballot for a roll call."
    )

    poll = await post(chair, f"/api/items/{item}/polls", {"roll_call": True})
    assert poll["roll_call"] is True
    state = await chair.snapshot(meeting)
    assert [(s["name"], s["choice"]) for s in state["poll"]["roll_call"]] == [
        ("Người chair", None),
        ("Người member", None),
        ("Bộ trưởng 1", None),
    ]
    assert (await member.vote(poll, "against")).status_code == 201
    assert (await chair.vote(poll, "for")).status_code == 201
    state = await chair.snapshot(meeting)
    assert [(s["name"], s["choice"]) for s in state["poll"]["roll_call"]] == [
        ("Người chair", "for"),
        ("Người member", "against"),
        ("Bộ trưởng 1", None),
    ]
    await post(chair, f"/api/polls/{poll['id']}/close")

    # Without it, the state names nobody while the vote runs.
    await post(chair, f"/api/meetings/{meeting}/session/next", {"item": live.items[2]})
    plain = await post(chair, f"/api/items/{live.items[2]}/polls")
    assert plain["roll_call"] is False
    assert (await chair.snapshot(meeting))["poll"]["roll_call"] is None
