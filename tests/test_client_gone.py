"""A request whose client gave up before the server read it (a tablet's timeout while the
request waited in the server's queue) is not a server error: nobody is answered 500 and
nothing is logged as unhandled."""

from __future__ import annotations

import logging

import pytest
from starlette.requests import ClientDisconnect, Request

from ecabinet.web.errors import CLIENT_GONE, handle_unexpected


async def test_a_client_gone_before_its_request_was_read_is_not_a_500(
    caplog: pytest.LogCaptureFixture,
) -> None:
    request = Request(
        {"type": "http", "method": "POST", "path": "/api/polls/1/ballots", "headers": []}
    )
    with caplog.at_level(logging.INFO):
        answer = await handle_unexpected(request, ClientDisconnect())
    assert answer.status_code == CLIENT_GONE
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
