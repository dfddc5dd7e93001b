"""Pages for passkeys: enrollment, sign-in and sign-out, my devices, and the secretariat's
view of the people it manages. The passkey ceremonies themselves run in
static/js/passkeys.js against the JSON API; these pages only render and handle forms."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute

from ..actions import devices, enrollment, quarantines, recovery, roster, security_notices, signin
from ..auth.logins import LOGIN_COOKIE
from ..auth.permissions import ensure_signed_in
from ..errors import ValidationFailed
from ..i18n import N_
from ..minutes.register import key_fingerprint
from ..models import PasskeyCredential, PasskeyQuarantine
from . import guesses
from .common import actor_of, clear_login_cookie, db_of, int_param, settings_of
from .qr import qr_data_uri
from .routing import page
from .templating import locale_of, render

# The working time zone of the bodies e-Cabinet serves; dates on pages are read there.
LOCAL_TIME = ZoneInfo("Asia/Ho_Chi_Minh")
TIME_PATTERNS = {"vi": "dd/MM/yyyy HH:mm", "en": "d MMM yyyy, HH:mm"}
# Why the secretariat revokes a device; the value goes to the audit log in English.
REVOKE_REASONS = {
    "lost": "lost device",
    "stolen": "stolen device",
    "replaced": "device replaced",
    "left": "no longer needs access",
}


def local_path(value: str | None) -> str:
    """``value`` if it is a path on this site, else the start page: never an open redirect."""
    if value and value.startswith("/") and not value.startswith(("//", "/\\")):
        return value
    return "/"


def device_guess(user_agent: str) -> str:
    """A name for the device, from its browser, that the person may change (an English
    msgid, translated by the template)."""
    for marker, name in (
        ("iPad", N_("iPad")),
        ("iPhone", N_("iPhone")),
        ("CrOS", N_("Chromebook")),
        ("Macintosh", N_("iPad or Mac")),
        ("Windows", N_("Windows computer")),
    ):
        if marker in user_agent:
            return name
    if "Android" in user_agent:
        return N_("Android phone") if "Mobile" in user_agent else N_("Android tablet")
    return N_("Computer") if "Linux" in user_agent else N_("Tablet")


def when(request: Request, moment: datetime | None) -> str:
    if moment is None:
        return ""
    locale = locale_of(request)
    return format_datetime(moment, TIME_PATTERNS[locale], tzinfo=LOCAL_TIME, locale=locale)


def device_view(
    request: Request, row: PasskeyCredential, quarantine: PasskeyQuarantine | None = None
) -> dict[str, Any]:
    login = actor_of(request).login
    return {
        "quarantined_until": None if quarantine is None else when(request, quarantine.until),
        "id": row.id,
        "name": row.device_name,
        "created": when(request, row.created_at),
        "last_used": when(request, row.last_used_at),
        "revoked": when(request, row.revoked_at),
        "suspected_clone": row.suspected_clone,
        "synced": row.backup_eligible,
        "usable": row.revoked_at is None and not row.suspected_clone,
        "current": login is not None and login.credential_id == row.id,
        # As the member key register prints it, so the member can compare the two.
        "fingerprint": key_fingerprint(row.public_key_spki_pem),
    }


def see_other(target: str) -> RedirectResponse:
    return RedirectResponse(target, status_code=303)


async def form_text(request: Request, name: str) -> str:
    value = (await request.form()).get(name)
    return value if isinstance(value, str) else ""


# --- enrollment, sign-in, sign-out ------------------------------------------------------


async def enroll_page(request: Request) -> Response:
    token = request.path_params["token"]
    async with guesses.counted(request), db_of(request).transaction() as tx:
        _enrollment, person = await enrollment.open_enrollment(tx, token)
    return render(
        request,
        "enroll.html",
        {
            "person": person,
            "token": token,
            "device_name": device_guess(request.headers.get("user-agent", "")),
        },
        headers={"Cache-Control": "no-store"},
    )


async def signin_page(request: Request) -> Response:
    return render(request, "signin.html", {"next": local_path(request.query_params.get("next"))})


async def signout(request: Request) -> Response:
    async with db_of(request).transaction() as tx:
        await signin.sign_out(tx, actor_of(request), request.cookies.get(LOGIN_COOKIE))
    response = see_other("/")
    clear_login_cookie(response, settings_of(request))
    return response


# --- my devices -------------------------------------------------------------------------


async def my_devices(request: Request) -> Response:
    actor = actor_of(request)
    ensure_signed_in(actor)
    assert actor.person_id is not None
    async with db_of(request).transaction() as tx:
        rows = await devices.passkeys_of(tx, actor.person_id)
        held = await quarantines.quarantines_of(tx, actor.person_id)
        history = await security_notices.history(tx, actor.person_id)
    return render(
        request,
        "devices.html",
        {
            "devices": [device_view(request, row, held.get(row.id or 0)) for row in rows],
            "history": [
                {"when": when(request, n.created_at), "message": n.message, "params": n.params}
                for n in history
            ],
        },
    )


async def reject_device(request: Request) -> Response:
    async with db_of(request).transaction() as tx:
        await quarantines.reject(tx, actor_of(request), int_param(request, "id"))
    return see_other("/me/devices")


async def rename_device(request: Request) -> Response:
    name = await form_text(request, "device_name")
    async with db_of(request).transaction() as tx:
        await devices.rename_passkey(tx, actor_of(request), int_param(request, "id"), name)
    return see_other("/me/devices")


async def confirm_revoke_device(request: Request) -> Response:
    actor = actor_of(request)
    ensure_signed_in(actor)
    assert actor.person_id is not None
    passkey_id = int_param(request, "id")
    async with db_of(request).transaction() as tx:
        rows = await devices.passkeys_of(tx, actor.person_id)
    row = next((r for r in rows if r.id == passkey_id and r.revoked_at is None), None)
    if row is None:
        return see_other("/me/devices")
    return render(request, "device_revoke.html", {"device": device_view(request, row)})


async def revoke_device(request: Request) -> Response:
    actor = actor_of(request)
    async with db_of(request).transaction() as tx:
        row = await devices.revoke_own_passkey(tx, actor, int_param(request, "id"))
    if actor.login is not None and actor.login.credential_id == row.id:
        # Revoking the device in hand ends this very session: say so by signing out.
        response = see_other("/signin")
        clear_login_cookie(response, settings_of(request))
        return response
    return see_other("/me/devices")


# --- the secretariat: seats, a person's devices, enrollment links -----------------------


async def body_people(request: Request) -> Response:
    async with db_of(request).transaction() as tx:
        body, seats = await roster.body_roster(tx, actor_of(request), int_param(request, "body_id"))
    return render(request, "body_people.html", {"body": body, "seats": seats})


async def person_page(request: Request) -> Response:
    settings = settings_of(request)
    async with db_of(request).transaction() as tx:
        card = await roster.person_card(tx, actor_of(request), int_param(request, "id"))
        status = None
        if card.passkeys and card.person.id is not None:
            status = await recovery.status_of(
                tx, card.person.id, await recovery.open_recovery(tx, card.person.id)
            )
    return render(
        request,
        "person.html",
        {
            "person": card.person,
            "seats": card.seats,
            "reasons": REVOKE_REASONS,
            "devices": [device_view(request, row) for row in card.passkeys],
            "recovery": None
            if status is None
            else {
                "approvals": [
                    {"name": a.name, "when": when(request, a.at)} for a in status.approvals
                ],
                "missing": status.missing,
            },
            "recovery_minutes": settings.recovery_link_valid_minutes,
            "quarantine_hours": settings.quarantine_hours,
        },
    )


async def revoke_person_device(request: Request) -> Response:
    person_id = int_param(request, "id")
    reason = REVOKE_REASONS.get(await form_text(request, "reason"))
    if reason is None:
        raise ValidationFailed("Choose why the device is revoked.")
    async with db_of(request).transaction() as tx:
        await devices.revoke_for_person(
            tx, actor_of(request), person_id, int_param(request, "passkey"), reason=reason
        )
    return see_other(f"/people/{person_id}")


async def issue_enrollment(request: Request) -> Response:
    actor = actor_of(request)
    person_id = int_param(request, "id")
    settings = settings_of(request)
    async with db_of(request).transaction() as tx:
        await devices.ensure_manages(tx, actor, person_id)
        person, url = await enrollment.issue_first_enrollment(tx, settings, actor, person_id)
    # The link exists only in this answer (the server keeps its hash): no redirect.
    return render(
        request,
        "enrollment_link.html",
        {
            "person": person,
            "url": url,
            "qr": qr_data_uri(url),
            "hours": settings.enrollment_valid_hours,
        },
        headers={"Cache-Control": "no-store"},
    )


def routes() -> list[BaseRoute]:
    return [
        page("/enroll/{token}", enroll_page, name="enroll", public=True),
        page("/signin", signin_page, name="signin", public=True),
        page("/signout", signout, methods=["POST"], name="signout", public=True),
        page("/me/devices", my_devices, name="my_devices"),
        page("/me/devices/{id}/rename", rename_device, methods=["POST"]),
        page("/me/devices/{id}/revoke", confirm_revoke_device),
        page("/me/devices/{id}/revoke", revoke_device, methods=["POST"]),
        page("/me/devices/{id}/reject", reject_device, methods=["POST"]),
        page("/bodies/{body_id}/people", body_people, name="body_people"),
        page("/people/{id}", person_page, name="person"),
        page("/people/{id}/passkeys/{passkey}/revoke", revoke_person_device, methods=["POST"]),
        page("/people/{id}/enrollment", issue_enrollment, methods=["POST"]),
    ]
