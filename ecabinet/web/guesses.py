"""Enrollment links are secrets in a URL: each failed try counts against the client's
sign-in rate limit, so they cannot be guessed at the speed of the network."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.requests import HTTPConnection

from ..actions.enrollment import EnrollmentRefused
from ..errors import TooManyRequests
from .common import client_of
from .ratelimit import RateLimiter


@asynccontextmanager
async def counted(connection: HTTPConnection) -> AsyncIterator[None]:
    limiter: RateLimiter = connection.app.state.guesses
    address = client_of(connection).address
    if limiter.exceeded(address):
        raise TooManyRequests(
            "Too many enrollment links tried from this device. Wait a minute and try again."
        )
    try:
        yield
    except EnrollmentRefused:
        limiter.hit(address)
        raise
