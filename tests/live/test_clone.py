"""A cloned passkey (its use counter went backwards) is blocked, and every session it
opened ends at once, its websockets included, without waiting for a heartbeat."""

from __future__ import annotations

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from ecabinet.db import Database

from ..support.factories import sign_in
from ..support.live import Tablet, audit_kinds, make_session
from .conftest import Server, frame, real_tablet, token_of


# With a two-minute heartbeat its sweep cannot be what closes the socket during the test.
@pytest.mark.parametrize("server", [120], indirect=True)
async def test_a_cloned_passkey_loses_every_session_and_its_websocket(
    server: Server, db: Database, tablets: list[Tablet]
) -> None:
    live = await make_session(db, server.settings)
    member = await real_tablet(server, live.seats["member"], tablets)
    async with httpx.AsyncClient(base_url=server.origin) as copy:
        assert (await sign_in(copy, member.device)).status_code == 200
        async with server.socket(token_of(member)) as ws:
            assert (await frame(ws, "hello"))["heartbeat"] == 120
            # The copy answers with a counter the server has already seen.
            refused = await sign_in(copy, member.device, sign_count=1)
            assert refused.status_code == 403
            with pytest.raises(ConnectionClosed) as closed:
                await frame(ws, within=10)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401
        assert (await copy.get("/api/me")).status_code == 401
    assert (await member.client.get("/api/me")).status_code == 401
    kinds = await audit_kinds(db)
    assert kinds[-2:] == ["passkey.blocked", "refused.credential"]
