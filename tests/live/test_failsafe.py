"""An unexpected error answers 500 and the tablet's connection stays usable: its next
request (often the retry of a ballot) is answered on the same connection."""

from __future__ import annotations

import socket
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp

from ecabinet.app import create_app

from ..support.live import live_settings
from ..support.serving import serving


def _request(connection: socket.socket, path: str) -> bytes:
    connection.sendall(
        f"GET {path} HTTP/1.1\r\nHost: localhost\r\nAccept: application/json\r\n\r\n".encode()
    )
    answer = b""
    while b"\r\n\r\n" not in answer:
        piece = connection.recv(65536)
        if not piece:
            return answer
        answer += piece
    head, _, body = answer.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        body += connection.recv(65536)
    return head


def test_an_unexpected_error_keeps_the_connection(database_url: str, tmp_path: Path) -> None:
    async def boom(request: Request) -> Response:
        raise RuntimeError("a bug")

    def build(port: int) -> ASGIApp:
        app = create_app(live_settings(database_url, tmp_path, port))
        app.router.routes.insert(0, Route("/api/boom", boom))
        return app

    with (
        serving(build) as served,
        socket.create_connection(("127.0.0.1", served.port), timeout=10) as connection,
    ):
        failed = _request(connection, "/api/boom")
        assert failed.startswith(b"HTTP/1.1 500")
        assert b"content-security-policy" in failed.lower()
        again = _request(connection, "/healthz")
        assert again.startswith(b"HTTP/1.1 200"), "the connection was closed after the 500"
