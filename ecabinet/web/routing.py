"""Route factories that every view goes through, so no view can forget the checks.

``page`` routes serve browsers: unsafe methods need the form's CSRF token.
``api`` routes serve tablets and integrators: unsafe methods need the CSRF header, or a
JSON body (which no cross-site form can send) from our own origin.
Both load the actor before the endpoint runs, and both refuse anybody who is not signed
in unless the route is declared ``public``: a new route is closed until someone decides
otherwise. Finer permissions are checked by the actions (auth.permissions.ensure).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..auth.actor_cache import ActorCache
from ..auth.logins import (
    LOGIN_COOKIE,
    actor_and_unread,
    hash_token,
    is_expired,
    needs_touch,
    touch,
)
from ..db import Database
from ..errors import CsrfRefused, Unauthenticated, UnsupportedMediaType
from ..models import utcnow
from . import csrf

Endpoint = Callable[[Request], Awaitable[Response]]
log = logging.getLogger(__name__)


async def load_actor(request: Request, *, count_unread: bool = False) -> None:
    token = request.cookies.get(LOGIN_COOKIE)
    settings = request.app.state.settings
    actors: ActorCache = request.app.state.actors
    key = hash_token(token) if token else ""
    # A page reads the database each time: its badge shows the unread count (live.js keeps
    # it current); a tablet's API requests use this process's cache (auth/actor_cache.py).
    actor = None if count_unread or not key else actors.get(key)
    unread = 0
    if actor is not None and (actor.login is None or is_expired(actor.login, settings)):
        actor = None
    if actor is None:
        epoch = actors.epoch
        db = request.app.state.db
        async with db.read() as session:
            actor, unread = await actor_and_unread(
                session, token, settings, count_unread=count_unread
            )
        if actor.login is not None and needs_touch(actor.login):
            _in_background(_touch(db, actor.login.id))
            actor.login.last_seen_at = utcnow()  # read here, not yet shared
        if key:
            actors.put(key, actor, epoch)
    state = request.scope.setdefault("state", {})
    state["actor"], state["unread_notifications"] = actor, unread


_background: set[asyncio.Task[None]] = set()


def _in_background(work: Coroutine[Any, Any, None]) -> None:
    task = asyncio.get_running_loop().create_task(work)
    _background.add(task)  # referenced until done
    task.add_done_callback(_background.discard)


async def _touch(db: Database, login_id: int | None) -> None:
    if login_id is None:
        return
    try:
        async with db.transaction() as tx:
            await touch(tx, login_id)
    except Exception:
        # Bookkeeping for the idle timeout: a later request touches it again.
        log.warning("could not record the activity of login %s", login_id, exc_info=True)


async def _check_page_csrf(request: Request) -> None:
    settings = request.app.state.settings
    csrf.check_origin(request, settings.origin)
    submitted = request.headers.get(csrf.HEADER)
    if submitted is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            # Starlette keeps the parsed form on the request, so the view reads it again free.
            form = await request.form()
            value = form.get(csrf.FORM_FIELD)
            submitted = value if isinstance(value, str) else None
    csrf.check_token(request, submitted, settings.session_secret)


async def _check_api_csrf(request: Request) -> None:
    settings = request.app.state.settings
    csrf.check_origin(request, settings.origin)
    submitted = request.headers.get(csrf.HEADER)
    if submitted is not None:
        csrf.check_token(request, submitted, settings.session_secret)
        return
    content_type = request.headers.get("content-type", "").split(";")[0].strip()
    if request.headers.get("content-length", "0") not in {"0", ""} or content_type:
        if content_type != "application/json":
            raise UnsupportedMediaType("Send JSON (Content-Type: application/json).")
        return
    # A body-less unsafe request (DELETE) carries nothing that a cross-site form cannot
    # forge, so it needs the token.
    raise CsrfRefused("The request lacks its X-CSRF-Token header and was refused.")


def _wrap(
    endpoint: Endpoint,
    check: Callable[[Request], Awaitable[None]],
    *,
    public: bool,
    count_unread: bool = False,
) -> Endpoint:
    async def guarded(request: Request) -> Response:
        await load_actor(request, count_unread=count_unread)
        if not public and not request.scope["state"]["actor"].signed_in:
            raise Unauthenticated("Sign in with your passkey to continue.")
        if request.method not in csrf.SAFE_METHODS:
            await check(request)
        return await endpoint(request)

    guarded.__name__ = endpoint.__name__
    guarded.__doc__ = endpoint.__doc__
    guarded.__dict__.update(endpoint.__dict__)  # what the view declares (its request body)
    return guarded


def page(
    path: str,
    endpoint: Endpoint,
    *,
    methods: Sequence[str] = ("GET",),
    name: str | None = None,
    public: bool = False,
) -> Route:
    return Route(
        path,
        _wrap(endpoint, _check_page_csrf, public=public, count_unread=True),
        methods=list(methods),
        name=name,
    )


async def _check_origin(request: Request) -> None:
    csrf.check_origin(request, request.app.state.settings.origin)


def streamed_form(
    path: str, endpoint: Endpoint, *, name: str | None = None, public: bool = False
) -> Route:
    """A page's POST that reads its multipart body itself, part by part within budgets
    (web/bounded_form.py): the origin is checked here, and the endpoint must call
    ``csrf.check_token`` with the token it read before it acts on anything else."""
    return Route(
        path,
        _wrap(endpoint, _check_origin, public=public, count_unread=True),
        methods=["POST"],
        name=name,
    )


def api(
    path: str,
    endpoint: Endpoint,
    *,
    methods: Sequence[str] = ("GET",),
    name: str | None = None,
    public: bool = False,
) -> Route:
    return Route(
        path, _wrap(endpoint, _check_api_csrf, public=public), methods=list(methods), name=name
    )
