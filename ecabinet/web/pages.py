"""Pages for browsers and the process / readiness probes."""

from __future__ import annotations

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
    target = back if isinstance(back, str) and back.startswith("/") and not back.startswith("//") \
        else "/"
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(LOCALE_COOKIE, str(locale), max_age=365 * 86400, httponly=True,
                        samesite="strict", secure=request.app.state.settings.secure_cookies)
    return response


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    db = request.app.state.db
    try:
        async with db.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as exc:
        raise ServiceUnavailable("The database cannot be reached.") from exc
    if not await is_current(db.engine):
        raise ServiceUnavailable("The database schema is not current: run `ecabinet db upgrade`.")
    return JSONResponse({"status": "ready"})
