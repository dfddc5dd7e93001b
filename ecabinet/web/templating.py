"""Jinja2 pages, rendered in the reader's language."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup
from starlette.requests import HTTPConnection
from starlette.responses import HTMLResponse

from ..auth.actor import Actor
from ..auth.permissions import Permission, can
from ..errors import ConfigurationError
from ..i18n import content_for, gettext_for, pick_locale
from ..labels import NOTICES
from .csrf import token_for

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TEMPLATES_DIR = PROJECT_ROOT / "templates"
STATIC_DIR = PROJECT_ROOT / "static"
LOCALE_COOKIE = "ecab_lang"


def make_environment() -> jinja2.Environment:
    if not TEMPLATES_DIR.is_dir():
        raise ConfigurationError(
            f"templates not found at {TEMPLATES_DIR}: install e-Cabinet from its source tree "
            "with `pip install -e .`"
        )
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=jinja2.select_autoescape(["html", "xml"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # Compiled once per process: the templates ship with the code and change only with
        # a new release, so no page pays for checking their files' times on every render.
        auto_reload=False,
        cache_size=-1,
    )
    environment.globals["notice_words"] = notice_words
    return environment


@cache
def notice_words(locale: str) -> Markup:
    """The live notices' texts for static/js/notices.js, as JSON safe inside HTML: the
    same on every page in a language, so made once per process."""
    _ = gettext_for(locale)
    kinds = {kind.value: {"text": _(text), "link": link} for kind, (text, link) in NOTICES.items()}
    return htmlsafe_json_dumps({"kinds": kinds, "dismiss": _("Dismiss")}, sort_keys=True)


def locale_of(connection: HTTPConnection) -> str:
    default: str = connection.app.state.settings.default_locale
    return pick_locale(connection.cookies.get(LOCALE_COOKIE), default)


def managed_bodies(actor: Actor | None) -> list[int]:
    """The bodies whose members the actor manages, for the top bar's links."""
    if actor is None:
        return []
    return [
        body_id for body_id in actor.memberships if can(actor, Permission.MANAGE_MEMBERS, body_id)
    ]


def page_context(connection: HTTPConnection) -> dict[str, Any]:
    settings = connection.app.state.settings
    locale = locale_of(connection)
    seed = connection.scope.get("state", {}).get("csrf_seed", "")
    state = connection.scope.get("state", {})
    return {
        "_": gettext_for(locale),
        "locale": locale,
        "content": content_for(locale),
        "csrf_token": token_for(seed, settings.session_secret) if seed else "",
        "actor": state.get("actor"),
        "managed_bodies": managed_bodies(state.get("actor")),
        "unread_notifications": state.get("unread_notifications", 0),
        "request": connection,
        "path": connection.url.path,
    }


def render(
    connection: HTTPConnection,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    env: jinja2.Environment = connection.app.state.templates
    html = env.get_template(template).render({**page_context(connection), **(context or {})})
    return HTMLResponse(html, status_code=status, headers=headers)
