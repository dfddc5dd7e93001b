"""Notification settings (channels, muted kinds, quiet hours, digest, reminder times), the
unread count behind the badge, and Web Push subscriptions: JSON API and page."""

from __future__ import annotations

from typing import Any

from pydantic import Field, StrictInt
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute

from ..actions import notice_preferences, notifications, push_subscriptions
from ..errors import ValidationFailed
from ..i18n import N_
from ..notices import push
from ..vocab import NoticeKind
from .bodies import Body, CamelBody, Flag, example, parsed, takes
from .common import actor_of, db_of, settings_of
from .page_helpers import page_tools
from .routing import api, page
from .shapes import preferences_as_json
from .templating import render

KIND_LABELS: dict[str, str] = {
    NoticeKind.PACKET_PUBLISHED: N_("A meeting's packet is published"),
    NoticeKind.DOCUMENT_CHANGED: N_("A document of my meeting changes"),
    NoticeKind.COMMENT_ANSWERED: N_("My comment is answered"),
    NoticeKind.POSITION_DRAFT: N_("My assistant drafted a position"),
    NoticeKind.POSITIONS_REMINDER: N_("Reminders of written positions"),
    NoticeKind.POLL_SENT: N_("A written poll is sent to me"),
    NoticeKind.POLL_REMINDER: N_("Reminders of written polls"),
    NoticeKind.POLL_DECIDED: N_("A written poll is decided"),
    NoticeKind.VOTE_OPENED: N_("A vote opens while I attend remotely"),
    NoticeKind.MINUTES_READY: N_("Minutes are ready to approve"),
    NoticeKind.MINUTES_REMINDER: N_("Reminders of minutes to approve"),
    NoticeKind.MINUTES_SIGNED: N_("Minutes are signed"),
    NoticeKind.TASK_ASSIGNED: N_("A follow-up task is assigned to my agency"),
    NoticeKind.TASK_UPDATED: N_("A follow-up task changes"),
    NoticeKind.TASK_REMINDER: N_("Reminders of follow-up tasks"),
    NoticeKind.TASK_OVERDUE: N_("A follow-up task is overdue"),
    NoticeKind.ACCOUNT_DEVICE: N_("A passkey is added to my account"),
    NoticeKind.ACCOUNT_RECOVERY: N_("My account is recovered"),
}


def _defaults(request: Request) -> list[int]:
    return list(settings_of(request).reminder_lead_hours)


async def my_settings(request: Request) -> Response:
    """My notification settings, and the kinds there are (security ones cannot be muted)."""
    async with db_of(request).transaction() as tx:
        pref = await notice_preferences.mine(tx, actor_of(request))
    return JSONResponse(preferences_as_json(pref, _defaults(request)))


class NoticeSettings(CamelBody):
    """Some of my notification settings; those left out keep their values."""

    model_config = example(
        {
            "emailDigest": True,
            "digestHour": 7,
            "quietStart": "22:00",
            "quietEnd": "06:30",
            "leadHours": [24, 2],
        }
    )
    email: Flag | None = None
    email_digest: Flag | None = None
    digest_hour: StrictInt | None = Field(None, description="0 to 23.")
    push: Flag | None = None
    muted: list[str] | None = Field(None, description="Kinds of notice not sent.")
    quiet_start: str | None = Field(None, description="Like 22:00.")
    quiet_end: str | None = None
    lead_hours: list[StrictInt] | None = Field(
        None, description="Hours before a meeting or deadline to remind."
    )


class PushKeys(Body):
    p256dh: str
    auth: str


class PushSubscription(Body):
    """The browser's PushSubscription.toJSON()."""

    model_config = example(
        {"endpoint": "https://push.example/send/abc", "keys": {"p256dh": "BNc", "auth": "tBH"}}
    )
    endpoint: str
    keys: PushKeys


class PushEndpoint(Body):
    """The endpoint of the subscription to forget."""

    model_config = example({"endpoint": "https://push.example/send/abc"})
    endpoint: str = ""


@takes(NoticeSettings)
async def change_settings(request: Request) -> Response:
    """Change some of my notification settings: email, emailDigest, digestHour, push,
    muted (kinds), quietStart and quietEnd ("22:00"), leadHours ([24, 2])."""
    body = await parsed(request, NoticeSettings)
    changes = body.model_dump(exclude_unset=True, by_alias=True)
    async with db_of(request).transaction() as tx:
        pref = await notice_preferences.update(tx, actor_of(request), changes)
    return JSONResponse(preferences_as_json(pref, _defaults(request)))


async def unread(request: Request) -> Response:
    """How many of my notifications are unread (the badge)."""
    async with db_of(request).transaction() as tx:
        count = await notifications.unread_count(tx, actor_of(request))
    return JSONResponse({"unread": count})


async def push_key(request: Request) -> Response:
    """The server's VAPID public key, for PushManager.subscribe(applicationServerKey)."""
    return JSONResponse({"publicKey": push.public_key(settings_of(request))})


@takes(PushSubscription)
async def subscribe(request: Request) -> Response:
    """Keep this browser's push subscription ({endpoint, keys: {p256dh, auth}})."""
    body = await parsed(request, PushSubscription)
    async with db_of(request).transaction() as tx:
        row = await push_subscriptions.subscribe(
            tx,
            actor_of(request),
            body.endpoint,
            body.keys.p256dh,
            body.keys.auth,
            request.headers.get("user-agent", ""),
        )
    return JSONResponse({"id": row.id}, status_code=201)


@takes(PushEndpoint)
async def unsubscribe(request: Request) -> Response:
    """Forget this browser's push subscription ({endpoint})."""
    body = await parsed(request, PushEndpoint)
    async with db_of(request).transaction() as tx:
        await push_subscriptions.unsubscribe(tx, actor_of(request), body.endpoint)
    return JSONResponse({"unsubscribed": True})


async def settings_page(request: Request) -> Response:
    async with db_of(request).transaction() as tx:
        pref = await notice_preferences.mine(tx, actor_of(request))
    return render(
        request,
        "notification_settings.html",
        {
            **page_tools(request),
            "pref": preferences_as_json(pref, _defaults(request)),
            "kind_labels": KIND_LABELS,
            "saved": request.query_params.get("saved") == "1",
        },
    )


def _form_changes(form: Any) -> dict[str, Any]:
    leads: list[int] = []
    for part in str(form.get("leadHours", "")).split(","):
        if part.strip():
            try:
                leads.append(int(part))
            except ValueError:
                raise ValidationFailed(
                    "Reminder times are whole numbers of hours, such as 72, 24, 2."
                ) from None
    hour = str(form.get("digestHour", "7"))
    return {
        "email": form.get("email") == "on",
        "emailDigest": form.get("emailDigest") == "on",
        "push": form.get("push") == "on",
        "digestHour": int(hour) if hour.isdigit() else -1,
        "quietStart": str(form.get("quietStart", "00:00")) or "00:00",
        "quietEnd": str(form.get("quietEnd", "00:00")) or "00:00",
        "muted": [
            k for k in KIND_LABELS if form.get(f"kind-{k}") != "on" and NoticeKind(k).silenceable
        ],
        "leadHours": leads,
    }


async def save_settings_page(request: Request) -> Response:
    changes = _form_changes(await request.form())
    async with db_of(request).transaction() as tx:
        await notice_preferences.update(tx, actor_of(request), changes)
    return RedirectResponse("/notifications/settings?saved=1", status_code=303)


def routes() -> list[BaseRoute]:
    return [
        api("/api/me/notification-settings", my_settings),
        api("/api/me/notification-settings", change_settings, methods=["PUT"]),
        api("/api/me/notifications/unread", unread),
        api("/api/push/key", push_key),
        api("/api/me/push-subscriptions", subscribe, methods=["POST"]),
        api("/api/me/push-subscriptions/remove", unsubscribe, methods=["POST"]),
        page("/notifications/settings", settings_page, name="notification_settings"),
        page(
            "/notifications/settings",
            save_settings_page,
            methods=["POST"],
            name="save_notification_settings",
        ),
    ]
