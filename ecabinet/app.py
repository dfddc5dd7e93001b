"""The application factory: ``create_app(settings)`` returns the Starlette app."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from . import sweeper as sweep
from .auth.actor_cache import cache_for
from .db import Database
from .errors import EcabinetError
from .notices.push import ensure_vapid_key
from .realtime import outbox
from .realtime.hub import Hub
from .settings import Settings, ensure_session_secret, load_settings
from .vote_timers import VoteTimers
from .web import (
    api_auth,
    api_ballots,
    api_comments,
    api_documents,
    api_meetings,
    api_polls,
    api_positions,
    api_presenting,
    api_recovery,
    api_recusals,
    api_session,
    api_speakers,
    calendar_views,
    display_views,
    live_socket,
    minutes_views,
    notices_views,
    offline,
    openapi,
    pages,
    pages_auth,
    pages_comments,
    pages_live,
    pages_meetings,
    pages_polls,
    pages_positions,
    pages_triage,
    pages_workspace,
    reader,
    refusals,
    tasks_views,
)
from .web.csrf import CsrfSeedMiddleware
from .web.errors import (
    handle_ecabinet_error,
    handle_http_exception,
    handle_unexpected,
    render_error,
)
from .web.failsafe import ContainErrorsMiddleware
from .web.metrics import Metrics, metrics_endpoint
from .web.ratelimit import RateLimiter
from .web.refusals import RefusalTally
from .web.routing import page
from .web.security import BodyLimitMiddleware, SecurityHeadersMiddleware
from .web.templating import STATIC_DIR, make_environment
from .workers import WorkerPool

# Paths whose bodies may be as large as a document upload; all others get the small limit.
UPLOAD_PATH_PREFIXES: tuple[str, ...] = ("/api/documents", "/documents", "/api/items/")
# The public verification page: the PDF's own limit plus room for the form around it.
VERIFY_PATH = "/minutes/verify"


def routes() -> list[BaseRoute]:
    return [
        page("/", pages.home, name="home", public=True),
        page("/language", pages.choose_language, methods=["POST"], name="language", public=True),
        Route("/healthz", pages.healthz, name="healthz"),
        Route("/readyz", pages.readyz, name="readyz"),
        Route("/metrics", metrics_endpoint, name="metrics"),
        *api_auth.routes(),
        *api_recovery.routes(),
        *pages_auth.routes(),
        *api_ballots.routes(),
        *api_positions.routes(),
        *api_polls.routes(),
        *api_comments.routes(),
        *pages_positions.routes(),
        *notices_views.routes(),
        *calendar_views.routes(),
        *tasks_views.routes(),
        *pages_triage.routes(),
        *pages_polls.routes(),
        *pages_comments.routes(),
        *api_meetings.routes(),
        *api_documents.routes(),
        *pages_meetings.routes(),
        *pages_workspace.routes(),
        *offline.routes(),
        *openapi.routes(),
        *api_session.routes(),
        *api_speakers.routes(),
        *api_recusals.routes(),
        *api_presenting.routes(),
        *pages_live.routes(),
        *display_views.routes(),
        *live_socket.routes(),
        *minutes_views.routes(),
        *reader.routes(),
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
    ]


def create_app(settings: Settings | None = None, *, db: Database | None = None) -> Starlette:
    settings = ensure_session_secret(settings or load_settings())
    ensure_vapid_key(settings)
    logging.basicConfig(level=settings.log_level.upper())
    database = db or Database(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
    )
    outbox.install(database)
    actors = cache_for(database, settings)
    hub = Hub(database, settings, actors)
    tally = RefusalTally()
    render_pool = WorkerPool(
        size=settings.render_workers,
        memory_mb=settings.worker_memory_mb,
        queue_seconds=settings.render_timeout_seconds,
        preload=("ecabinet.documents.rendering",),
    )
    # Its own worker: anonymous visitors verifying minutes never hold the members' pages.
    verify_pool = WorkerPool(
        size=1,
        memory_mb=settings.worker_memory_mb,
        queue_seconds=settings.verify_timeout_seconds,
        preload=("ecabinet.minutes.verify",),
    )

    def limit_for(path: str) -> int:
        if path == VERIFY_PATH:
            return settings.verify_max_bytes + minutes_views.FORM_OVERHEAD
        if path.startswith(UPLOAD_PATH_PREFIXES):
            return settings.upload_limit_bytes
        return settings.max_body_bytes

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        sweeper = sweep.start(database, settings)
        # Timed votes close at their deadline here; the sweeper is their backstop (both
        # off with sweep_seconds 0, where a test drives time itself).
        timers = VoteTimers(database) if settings.sweep_seconds > 0 else None
        if timers is not None:
            await timers.start()
        await hub.start()
        counting = asyncio.create_task(refusals.keep_flushing(database, tally))
        warming = asyncio.create_task(render_pool.warm())
        yield
        for task in (counting, warming):
            task.cancel()
        await asyncio.gather(counting, warming, return_exceptions=True)
        render_pool.close()
        verify_pool.close()
        await hub.stop()
        if timers is not None:
            await timers.stop()
        await sweep.stop(sweeper)
        if db is None:
            await database.dispose()

    app = Starlette(
        routes=routes(),
        middleware=[
            Middleware(SecurityHeadersMiddleware, origin=settings.origin),
            Middleware(CsrfSeedMiddleware, secure=settings.secure_cookies),
            Middleware(BodyLimitMiddleware, limit_for=limit_for, render=render_error),
            Middleware(ContainErrorsMiddleware, handle=handle_unexpected),
        ],
        exception_handlers={
            EcabinetError: handle_ecabinet_error,
            HTTPException: handle_http_exception,
            Exception: handle_unexpected,
        },
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.db = database
    app.state.hub = hub
    app.state.actors = actors
    app.state.render_pool = render_pool
    app.state.verify_pool = verify_pool
    app.state.refusals = tally
    app.state.metrics = Metrics()
    app.state.guesses = RateLimiter(settings.signin_attempts_per_minute)
    app.state.verify_limiter = RateLimiter(settings.verify_per_minute)
    app.state.templates = make_environment()
    return app
