"""One handler for every refusal: an HTML page for browsers, problem+json under /api."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, HTTPConnection, Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import Scope

from ..errors import (
    EcabinetError,
    MethodNotAllowed,
    NotFound,
    ServiceUnavailable,
    Unauthenticated,
    ValidationFailed,
)
from ..i18n import gettext_for
from . import refusals
from .templating import locale_of, render

log = logging.getLogger(__name__)


class InternalError(EcabinetError):
    status = 500
    title = "Something went wrong"
    kind = "internal"


def wants_json(connection: HTTPConnection) -> bool:
    return connection.url.path.startswith("/api/") or connection.url.path == "/api"


def problem(connection: HTTPConnection, error: EcabinetError) -> JSONResponse:
    """RFC 9457 problem details; title and detail in the reader's language."""
    _ = gettext_for(locale_of(connection))
    body = {
        "type": f"urn:ecabinet:problem:{error.kind}",
        "title": _(error.title),
        "status": error.status,
        "detail": _(error.message, **error.params),
        "instance": connection.url.path,
    }
    return JSONResponse(body, status_code=error.status, media_type="application/problem+json")


async def render_error(scope: Scope, error: EcabinetError) -> Response:
    connection = HTTPConnection(scope)
    if error.status < 500:
        connection.app.state.metrics.refused(error.kind, error.status)
    if error.audit and not error.recorded:
        await _audit_refusal(connection, error)
    if wants_json(connection):
        return problem(connection, error)
    if isinstance(error, Unauthenticated):
        return RedirectResponse(signin_address(connection), status_code=303)
    return render(connection, "error.html", {"error": error}, status=error.status)


def signin_address(connection: HTTPConnection) -> str:
    """A browser without a session goes to the sign-in page, and then back to the page
    it asked for (only a GET can be asked for again)."""
    if connection.scope.get("method") not in {"GET", "HEAD"}:
        return "/signin"
    query = connection.url.query
    target = connection.url.path + (f"?{query}" if query else "")
    return "/signin?" + urlencode({"next": target})


async def _audit_refusal(connection: HTTPConnection, error: EcabinetError) -> None:
    actor = connection.scope.get("state", {}).get("actor")
    data = dict(error.anonymous_audit or {})
    subject = str(data.pop("subject", "") or connection.url.path)
    await refusals.record(
        connection.app.state.db,
        connection.app.state.refusals,
        source=connection.client.host if connection.client else "",
        kind=error.kind,
        actor_id=None if actor is None else actor.person_id,
        subject=subject,
        method=connection.scope.get("method", "WS"),
        path=connection.url.path[:128],
        reason=error.detail,
        **data,
    )


# How long a client should wait before asking again while the database is unreachable
# (a restart, a failover); tablets add jitter of their own.
RETRY_AFTER_SECONDS = 2
_UNREACHABLE = (
    ConnectionError,
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,
    sa_exc.TimeoutError,
)


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not s for s in seen):
        seen.append(current)
        orig = getattr(current, "orig", None)
        current = (
            orig if isinstance(orig, BaseException) else (current.__cause__ or current.__context__)
        )
    return seen


def _database_unreachable(exc: BaseException) -> bool:
    return any(
        isinstance(one, _UNREACHABLE)
        or (isinstance(one, sa_exc.DBAPIError) and one.connection_invalidated)
        for one in _chain(exc)
    )


def _is_overflow(exc: BaseException) -> bool:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OverflowError) or "out of int64 range" in str(current):
            return True
        orig = getattr(current, "orig", None)
        current = (
            orig if isinstance(orig, BaseException) else (current.__cause__ or current.__context__)
        )
    return False


async def handle_ecabinet_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, EcabinetError)
    return await render_error(request.scope, exc)


async def handle_http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    error: EcabinetError
    if exc.status_code == 404:
        error = NotFound("There is no page at this address.")
    elif exc.status_code == 405:
        error = MethodNotAllowed("This address does not accept %(method)s.", method=request.method)
    else:
        error = EcabinetError(str(exc.detail))
    return await render_error(request.scope, error)


# nginx's code for a request whose client closed the connection before it was answered.
CLIENT_GONE = 499


async def handle_unexpected(request: Request, exc: Exception) -> Response:
    if isinstance(exc, ClientDisconnect):
        # The client gave up before its request was even read (a tablet's timeout while
        # the server queued it): nobody is left to answer, and nothing failed here.
        log.info("client gone before %s was read", request.url.path)
        return Response(status_code=CLIENT_GONE)
    if _is_overflow(exc):
        # Ids are checked where they are read; this catches a number that slipped past a
        # check and reached the database driver, so it still is a refusal, not a 500.
        return await render_error(
            request.scope, ValidationFailed("A number in this request is too large.")
        )
    if _database_unreachable(exc):
        # Not a fault of this request: say so, and when to ask again.
        log.warning("database unreachable on %s: %s", request.url.path, exc)
        response = await render_error(
            request.scope, ServiceUnavailable("The database cannot be reached.")
        )
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    log.exception("unhandled error on %s", request.url.path, exc_info=exc)
    return await render_error(
        request.scope,
        InternalError(
            "The server could not complete this request. Nothing was changed; "
            "please try again, and tell the secretariat if it happens again."
        ),
    )
