"""The live connection: frames limited by the protocol layer, connections per sign-in
capped, nonsense ids ignored."""

from __future__ import annotations

import json

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from .conftest import Member, Target


def _socket(target: Target, member: Member) -> ClientConnection:
    token = member.client.cookies["ecab_session"]
    return connect(  # type: ignore[call-overload,no-any-return]
        target.url.replace("http", "ws") + "/ws",
        origin=target.url,
        additional_headers={"Cookie": f"ecab_session={token}"},
        compression=None,
        open_timeout=10,
        max_size=2**20,
        proxy=None,
    )


def _hello(ws: ClientConnection) -> dict[str, object]:
    message: dict[str, object] = json.loads(ws.recv(timeout=10))
    return message


def test_a_frame_over_the_limit_closes_the_connection_at_the_protocol_level(target: Target) -> None:
    with _socket(target, target.members["observer"]) as ws:
        assert _hello(ws)["type"] == "hello"
        ws.send("x" * (target.settings.ws_max_message_bytes + 1))
        with pytest.raises(ConnectionClosed) as closed:
            for _ in range(20):
                ws.recv(timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009


def test_one_sign_in_holds_a_bounded_number_of_connections(target: Target) -> None:
    member = target.members["chair"]
    with _socket(target, member) as first, _socket(target, member) as second:
        assert _hello(first)["type"] == _hello(second)["type"] == "hello"
        with pytest.raises(InvalidStatus) as refused:
            _socket(target, member)
        assert refused.value.response.status_code == 403
        huge = {"type": "watch", "meeting": 2**70}
        first.send(json.dumps(huge))
        first.send(json.dumps({"type": "ping"}))
        assert _hello(first)["type"] == "pong"  # the nonsense was ignored, not fatal
    kinds = [kind for kind, _ in target.audit_kinds("refused.too-many-connections")]
    assert kinds == ["refused.too-many-connections"]
