"""Small helpers shared by the views: the actor, the client, path ids, cookies."""

from __future__ import annotations

from starlette.requests import HTTPConnection, Request
from starlette.responses import Response

from ..auth.actor import ANONYMOUS, Actor
from ..auth.logins import LOGIN_COOKIE
from ..auth.passkeys import Client
from ..db import Database
from ..errors import NotFound
from ..settings import Settings
from .inputs import parse_id


def actor_of(connection: HTTPConnection) -> Actor:
    actor = connection.scope.get("state", {}).get("actor")
    return actor if isinstance(actor, Actor) else ANONYMOUS


def settings_of(connection: HTTPConnection) -> Settings:
    settings: Settings = connection.app.state.settings
    return settings


def db_of(connection: HTTPConnection) -> Database:
    db: Database = connection.app.state.db
    return db


def client_of(connection: HTTPConnection) -> Client:
    address = connection.client.host if connection.client else "unknown"
    return Client(address=address, user_agent=connection.headers.get("user-agent", ""))


def int_param(request: Request, name: str) -> int:
    value = parse_id(str(request.path_params.get(name, "")))
    if value is None:
        raise NotFound("There is no page at this address.")
    return value


def set_login_cookie(response: Response, token: str, settings: Settings) -> None:
    response.set_cookie(
        LOGIN_COOKIE,
        token,
        max_age=settings.session_absolute_hours * 3600,
        httponly=True,
        samesite="strict",
        secure=settings.secure_cookies,
        path="/",
    )


def clear_login_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        LOGIN_COOKIE, httponly=True, samesite="strict", secure=settings.secure_cookies, path="/"
    )
