"""JSON API: enrollment, sign-in, the signed-in person and their passkeys."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field
from sqlmodel import select
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from ..actions import devices, enrollment, quarantines, security_notices, signin
from ..auth.logins import LOGIN_COOKIE
from ..auth.permissions import ensure_signed_in
from ..models import Body, Membership, PasskeyCredential, PasskeyQuarantine, Person
from . import bodies, guesses
from .bodies import FAKE_CREDENTIAL, CamelBody, Credential, example, parsed, takes
from .common import (
    actor_of,
    clear_login_cookie,
    client_of,
    db_of,
    int_param,
    set_login_cookie,
    settings_of,
)
from .routing import api

DeviceName = Annotated[
    str,
    Field(max_length=100, description='What the person calls the device, such as "Office tablet".'),
]


class PasskeyAnswer(bodies.Body):
    """The passkey's answer to the options just issued."""

    model_config = example({"credential": FAKE_CREDENTIAL})
    credential: Credential


class NewPasskey(CamelBody):
    """The passkey made from the creation options, and the device's name."""

    model_config = example({"credential": FAKE_CREDENTIAL, "deviceName": "Office tablet"})
    credential: Credential
    device_name: DeviceName = ""


class PasskeyName(CamelBody):
    """A passkey's new name."""

    model_config = example({"deviceName": "Office tablet"})
    device_name: DeviceName = ""


def passkey_json(
    row: PasskeyCredential, quarantine: PasskeyQuarantine | None = None
) -> dict[str, Any]:
    return {
        "quarantinedUntil": None if quarantine is None else quarantine.until.isoformat(),
        "id": row.id,
        "deviceName": row.device_name,
        "createdAt": row.created_at.isoformat(),
        "lastUsedAt": row.last_used_at.isoformat() if row.last_used_at else None,
        "revokedAt": row.revoked_at.isoformat() if row.revoked_at else None,
        "algorithm": row.algorithm,
        "aaguid": row.aaguid,
        "suspectedClone": row.suspected_clone,
        "synced": row.backup_eligible,
    }


def person_json(person: Person) -> dict[str, Any]:
    return {
        "id": person.id,
        "fullName": person.full_name,
        "email": person.email,
        "isAdmin": person.is_admin,
    }


async def enrollment_options(request: Request) -> Response:
    """Creation options for registering a passkey with a one-time enrollment link."""
    async with guesses.counted(request), db_of(request).transaction() as tx:
        options = await enrollment.enrollment_options(
            tx, settings_of(request), request.path_params["token"], client=client_of(request)
        )
    return JSONResponse(options)


@takes(NewPasskey)
async def enroll(request: Request) -> Response:
    """Register the passkey made from the creation options; signs the person in (201)."""
    body = await parsed(request, NewPasskey)
    settings = settings_of(request)
    async with guesses.counted(request), db_of(request).transaction() as tx:
        person, row = await enrollment.finish_enrollment(
            tx,
            settings,
            request.path_params["token"],
            body.credential.model_dump(),
            device_name=body.device_name,
        )
        assert person.id is not None and row.id is not None
        token = await signin.open_session_after_enrollment(
            tx, settings, person.id, row.id, client_of(request)
        )
    response = JSONResponse(
        {"person": person_json(person), "passkey": passkey_json(row)}, status_code=201
    )
    set_login_cookie(response, token, settings)
    return response


async def session_options(request: Request) -> Response:
    """Request options for signing in with a discoverable passkey (no name typed)."""
    async with db_of(request).transaction() as tx:
        options = await signin.signin_options(tx, settings_of(request), client=client_of(request))
    return JSONResponse(options)


@takes(PasskeyAnswer)
async def start_login(request: Request) -> Response:
    """Sign in with a passkey assertion; sets the HttpOnly session cookie."""
    body = await parsed(request, PasskeyAnswer)
    settings = settings_of(request)
    async with db_of(request).transaction() as tx:
        token = await signin.finish_signin(
            tx, settings, body.credential.model_dump(), client=client_of(request)
        )
    response = JSONResponse({"status": "signed-in"})
    set_login_cookie(response, token, settings)
    return response


async def end_login(request: Request) -> Response:
    """Sign out: the session ends on the server and the cookie is cleared."""
    async with db_of(request).transaction() as tx:
        await signin.sign_out(tx, actor_of(request), request.cookies.get(LOGIN_COOKIE))
    response = Response(status_code=204)
    clear_login_cookie(response, settings_of(request))
    return response


async def fresh_options(request: Request) -> Response:
    """Request options for re-confirming identity before a sensitive action."""
    async with db_of(request).transaction() as tx:
        options = await signin.fresh_options(
            tx, settings_of(request), actor_of(request), client=client_of(request)
        )
    return JSONResponse(options)


@takes(PasskeyAnswer)
async def confirm_fresh(request: Request) -> Response:
    """Re-confirm identity with a passkey; sensitive actions are allowed for a few minutes."""
    body = await parsed(request, PasskeyAnswer)
    async with db_of(request).transaction() as tx:
        await signin.confirm_fresh(
            tx, settings_of(request), actor_of(request), body.credential.model_dump()
        )
    return JSONResponse({"status": "confirmed"})


async def me(request: Request) -> Response:
    """The signed-in person, their bodies and roles, and their passkeys."""
    actor = actor_of(request)
    ensure_signed_in(actor)
    assert actor.person is not None and actor.person_id is not None
    async with db_of(request).transaction() as tx:
        rows = await devices.passkeys_of(tx, actor.person_id)
        held = await quarantines.quarantines_of(tx, actor.person_id)
        history = await security_notices.history(tx, actor.person_id)
        seats = (
            await tx.session.exec(
                select(Membership, Body)
                .join(Body, Body.id == Membership.body_id)  # type: ignore[arg-type]
                .where(Membership.person_id == actor.person_id)
            )
        ).all()
    return JSONResponse(
        {
            "person": person_json(actor.person),
            "bodies": [
                {
                    "id": b.id,
                    "slug": b.slug,
                    "name": b.name,
                    "role": m.role,
                    "seat": m.id,
                    "title": m.title,
                    "clearance": m.clearance,
                    "active": m.active,
                }
                for m, b in seats
            ],
            "passkeys": [passkey_json(r, held.get(r.id or 0)) for r in rows],
            "security": [
                {
                    "kind": n.kind,
                    "subject": n.subject,
                    "message": n.message,
                    "params": n.params,
                    "at": n.created_at.isoformat(),
                }
                for n in history
            ],
        }
    )


@takes(PasskeyName)
async def rename_passkey(request: Request) -> Response:
    """Rename one of my passkeys."""
    body = await parsed(request, PasskeyName)
    async with db_of(request).transaction() as tx:
        row = await devices.rename_passkey(
            tx, actor_of(request), int_param(request, "id"), body.device_name
        )
    return JSONResponse(passkey_json(row))


async def revoke_passkey(request: Request) -> Response:
    """Revoke one of my passkeys; sessions opened with it end."""
    async with db_of(request).transaction() as tx:
        row = await devices.revoke_own_passkey(tx, actor_of(request), int_param(request, "id"))
    return JSONResponse(passkey_json(row))


async def add_device_options(request: Request) -> Response:
    """Creation options for adding another device (needs a fresh passkey check)."""
    async with db_of(request).transaction() as tx:
        options = await devices.add_device_options(
            tx, settings_of(request), actor_of(request), client=client_of(request)
        )
    return JSONResponse(options)


@takes(NewPasskey)
async def add_device(request: Request) -> Response:
    """Register another device's passkey (needs a fresh passkey check)."""
    body = await parsed(request, NewPasskey)
    async with db_of(request).transaction() as tx:
        row = await devices.add_device(
            tx,
            settings_of(request),
            actor_of(request),
            body.credential.model_dump(),
            body.device_name,
        )
    return JSONResponse(passkey_json(row), status_code=201)


async def issue_enrollment(request: Request) -> Response:
    """Issue a one-time link for a person's first passkey (secretariat of every body the
    person sits in). Refused for anyone who already had a passkey: see recovery."""
    actor = actor_of(request)
    person_id = int_param(request, "id")
    async with db_of(request).transaction() as tx:
        await devices.ensure_manages(tx, actor, person_id)
        _person, url = await enrollment.issue_first_enrollment(
            tx, settings_of(request), actor, person_id
        )
    return JSONResponse({"url": url}, status_code=201, headers={"Cache-Control": "no-store"})


async def person_passkeys(request: Request) -> Response:
    """A person's passkeys (secretariat)."""
    person_id = int_param(request, "id")
    async with db_of(request).transaction() as tx:
        await devices.ensure_manages(tx, actor_of(request), person_id)
        rows = await devices.passkeys_of(tx, person_id)
    return JSONResponse({"passkeys": [passkey_json(r) for r in rows]})


async def revoke_person_passkey(request: Request) -> Response:
    """Revoke a person's lost or stolen device (secretariat); `?reason=`."""
    async with db_of(request).transaction() as tx:
        row = await devices.revoke_for_person(
            tx,
            actor_of(request),
            int_param(request, "id"),
            int_param(request, "passkey"),
            reason=request.query_params.get("reason", "lost device"),
        )
    return JSONResponse(passkey_json(row))


def routes() -> list[BaseRoute]:
    return [
        api("/api/enrollments/{token}/options", enrollment_options, methods=["POST"], public=True),
        api("/api/enrollments/{token}", enroll, methods=["POST"], public=True),
        api("/api/session/options", session_options, methods=["POST"], public=True),
        api("/api/session", start_login, methods=["POST"], public=True),
        api("/api/session", end_login, methods=["DELETE"], public=True),
        api("/api/session/fresh/options", fresh_options, methods=["POST"]),
        api("/api/session/fresh", confirm_fresh, methods=["POST"]),
        api("/api/me", me),
        api("/api/me/passkeys/options", add_device_options, methods=["POST"]),
        api("/api/me/passkeys", add_device, methods=["POST"]),
        api("/api/me/passkeys/{id}", rename_passkey, methods=["PATCH"]),
        api("/api/me/passkeys/{id}", revoke_passkey, methods=["DELETE"]),
        api("/api/people/{id}/enrollments", issue_enrollment, methods=["POST"]),
        api("/api/people/{id}/passkeys", person_passkeys),
        api("/api/people/{id}/passkeys/{passkey}", revoke_person_passkey, methods=["DELETE"]),
    ]
