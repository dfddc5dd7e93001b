"""An unexpected error answers 500 and leaves the connection open.

Starlette's outermost error middleware answers 500 and then re-raises, so that the server
logs the error; uvicorn then closes the keep-alive connection, and the tablet's next
request, often the retry of a ballot, fails as well. Here the error is logged and answered
inside the application, and the server never sees it. Once the response has started
nothing can be answered cleanly, and the error is raised as before.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

UnexpectedHandler = Callable[[Request, Exception], Awaitable[Response]]


class ContainErrorsMiddleware:
    def __init__(self, app: ASGIApp, *, handle: UnexpectedHandler) -> None:
        self.app = app
        self.handle = handle

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            if started:
                raise
            response = await self.handle(Request(scope), exc)
            await response(scope, receive, send)
