"""Security headers and the request body limit, as plain ASGI middleware."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from starlette.datastructures import MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import EcabinetError, PayloadTooLarge

ErrorRenderer = Callable[[Scope, EcabinetError], Awaitable[Response]]


def content_security_policy(origin: str) -> str:
    ws_origin = re.sub(r"^http", "ws", origin)
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data: blob:",
            "font-src 'self'",
            f"connect-src 'self' {ws_origin}",
            "worker-src 'self'",
            "manifest-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, *, origin: str) -> None:
        self.app = app
        self.headers = {
            "content-security-policy": content_security_policy(origin),
            "x-content-type-options": "nosniff",
            "referrer-policy": "same-origin",
            "x-frame-options": "DENY",
            "cross-origin-opener-policy": "same-origin",
            "permissions-policy": "camera=(self), microphone=(), geolocation=()",
        }
        if origin.startswith("https://"):
            self.headers["strict-transport-security"] = "max-age=31536000; includeSubDomains"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimitMiddleware:
    """Refuses bodies over the limit, by Content-Length up front and by counting the stream.

    Counting matters: a chunked upload has no Content-Length, and a client may lie.
    The error is raised from ``receive`` so the endpoint's own error handling renders it.
    """

    def __init__(
        self, app: ASGIApp, *, limit_for: Callable[[str], int], render: ErrorRenderer
    ) -> None:
        self.app = app
        self.limit_for = limit_for
        self.render = render

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = _content_length(scope)
        too_large = PayloadTooLarge(
            "The request is larger than the limit of %(limit)s bytes.", limit=limit
        )
        if declared is not None and declared > limit:
            response = await self.render(scope, too_large)
            await response(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise too_large
            return message

        await self.app(scope, counting_receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
