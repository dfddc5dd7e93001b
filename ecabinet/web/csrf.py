"""CSRF protection: a random seed in an HttpOnly cookie, and a token derived from it.

Forms carry the token in a hidden field, scripts send it as ``X-CSRF-Token`` (read from
the page's meta tag). The token is an HMAC of the seed, so a page from another site can
neither read nor forge it. The Origin header, when present, must be our own origin.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import CsrfRefused

SEED_COOKIE = "ecab_csrf"
FORM_FIELD = "csrf_token"
HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def token_for(seed: str, secret: str) -> str:
    return hmac.new(secret.encode(), b"csrf:" + seed.encode(), hashlib.sha256).hexdigest()


def check_origin(connection: HTTPConnection, origin: str) -> None:
    sent = connection.headers.get("origin")
    if sent is not None and sent.rstrip("/") != origin:
        raise CsrfRefused(
            "The request came from another site (%(origin)s) and was refused.", origin=sent
        )


def check_token(connection: HTTPConnection, submitted: str | None, secret: str) -> None:
    seed = connection.scope.get("state", {}).get("csrf_seed", "")
    if not submitted or not seed or not hmac.compare_digest(submitted, token_for(seed, secret)):
        raise CsrfRefused(
            "This form has expired or did not come from e-Cabinet. Reload the page and try again."
        )


class CsrfSeedMiddleware:
    """Makes sure every browser holds a CSRF seed cookie, and exposes it in ``scope.state``."""

    def __init__(self, app: ASGIApp, *, secure: bool) -> None:
        self.app = app
        self.secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in {"http", "websocket"}:
            await self.app(scope, receive, send)
            return
        seed = HTTPConnection(scope).cookies.get(SEED_COOKIE, "")
        fresh = len(seed) < 32
        if fresh:
            seed = secrets.token_urlsafe(32)
        scope.setdefault("state", {})["csrf_seed"] = seed

        async def send_with_cookie(message: Message) -> None:
            if fresh and message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                attributes = "; Path=/; HttpOnly; SameSite=Strict"
                if self.secure:
                    attributes += "; Secure"
                headers.append("set-cookie", f"{SEED_COOKIE}={seed}{attributes}")
            await send(message)

        await self.app(scope, receive, send_with_cookie)
