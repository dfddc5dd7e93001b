"""Pages for browsers and the process / readiness probes."""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from ..errors import ServiceUnavailable, ValidationFailed
from ..i18n import LOCALES
from ..migrate import is_current
from .templating import LOCALE_COOKIE, render


async def home(request: Request) -> Response:
    return render(request, "home.html")


async def choose_language(request: Request) -> Response:
    form = await request.form()
    locale = form.get("locale")
    if locale not in LOCALES:
        raise ValidationFailed("Choose Vietnamese or English.")
    back = form.get("next")
    target = (
        back
        if isinstance(back, str) and back.startswith("/") and not back.startswith("//")
        else "/"
    )
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        LOCALE_COOKIE,
        str(locale),
        max_age=365 * 86400,
        httponly=True,
        samesite="strict",
        secure=request.app.state.settings.secure_cookies,
    )
    return response


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


# How long /readyz waits for the database before answering 503.
READY_SECONDS = 2.0


async def readyz(request: Request) -> Response:
    """Ready when the database answers within a moment and its schema is current.

    A load balancer polls this while the database restarts: it must answer fast, not
    wait out the driver's connect timeout. The schema check reads Alembic's table once;
    a process that saw the schema current keeps it (migrations only move forward).
    """
    db = request.app.state.db
    try:
        async with asyncio.timeout(READY_SECONDS):
            async with db.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            if not getattr(request.app.state, "schema_current", False):
                request.app.state.schema_current = await is_current(db.engine)
    except Exception as exc:
        raise ServiceUnavailable("The database cannot be reached.") from exc
    if not request.app.state.schema_current:
        raise ServiceUnavailable("The database schema is not current: run `ecabinet db upgrade`.")
    # Live events reach this process's tablets only through its LISTEN connection: until
    # it is back (it is asked to try at once), a ballot would not reach them until their
    # next resync.
    listener = request.app.state.hub.listener
    if listener is not None:
        try:
            await listener.until_listening(READY_SECONDS)
        except TimeoutError as exc:
            raise ServiceUnavailable(
                "This process cannot hear live events from the database yet."
            ) from exc
    return JSONResponse({"status": "ready"})
