"""JSON API: a person's recovery approved by two officials, and the quarantine of the
passkey it registers, ended early or rejected from one of the person's earlier devices."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from ..actions import quarantines, recovery
from .api_auth import PasskeyAnswer
from .bodies import parsed, takes
from .common import actor_of, client_of, db_of, int_param, settings_of
from .qr import qr_data_uri
from .routing import api


def status_json(status: recovery.Status) -> dict[str, Any]:
    result: dict[str, Any] = {
        "recovery": None if status.recovery is None else status.recovery.id,
        "approvals": [{"name": a.name, "at": a.at.isoformat()} for a in status.approvals],
        "missing": [
            {"body": m.group, "approvals": m.have, "needed": recovery.NEEDED}
            for m in status.missing
        ],
        "complete": status.recovery is not None and not status.missing,
    }
    if status.url:
        result["url"] = status.url
        result["qr"] = qr_data_uri(status.url)
    return result


async def recovery_status(request: Request) -> Response:
    """The person's recovery in progress: who approved, which bodies still lack approvals."""
    async with db_of(request).transaction() as tx:
        status = await recovery.recovery_status(tx, actor_of(request), int_param(request, "id"))
    return JSONResponse(status_json(status))


async def recovery_options(request: Request) -> Response:
    """Start or join a person's recovery: request options for the approver's own passkey."""
    async with db_of(request).transaction() as tx:
        options = await recovery.approval_options(
            tx,
            settings_of(request),
            actor_of(request),
            int_param(request, "id"),
            client=client_of(request),
        )
    return JSONResponse(options)


@takes(PasskeyAnswer)
async def approve_recovery(request: Request) -> Response:
    """Approve a person's recovery with a passkey assertion. The approval that completes it
    answers 201 with the one-time enrollment link (shown only here); others answer 202."""
    body = await parsed(request, PasskeyAnswer)
    async with db_of(request).transaction() as tx:
        status = await recovery.approve(
            tx,
            settings_of(request),
            actor_of(request),
            int_param(request, "id"),
            body.credential.model_dump(),
        )
    headers = {"Cache-Control": "no-store"}
    return JSONResponse(
        status_json(status), status_code=201 if status.url else 202, headers=headers
    )


async def release_quarantine(request: Request) -> Response:
    """End a recovered passkey's quarantine early (from an earlier device, fresh check)."""
    async with db_of(request).transaction() as tx:
        row = await quarantines.release(tx, actor_of(request), int_param(request, "id"))
    return JSONResponse({"id": row.id, "status": "released"})


async def reject_quarantined(request: Request) -> Response:
    """Reject a recovered passkey: it is revoked and its sessions end."""
    async with db_of(request).transaction() as tx:
        row = await quarantines.reject(tx, actor_of(request), int_param(request, "id"))
    return JSONResponse({"id": row.id, "status": "rejected"})


def routes() -> list[BaseRoute]:
    return [
        api("/api/people/{id}/recovery", recovery_status),
        api("/api/people/{id}/recovery/options", recovery_options, methods=["POST"]),
        api("/api/people/{id}/recovery", approve_recovery, methods=["POST"]),
        api("/api/me/passkeys/{id}/quarantine/release", release_quarantine, methods=["POST"]),
        api("/api/me/passkeys/{id}/quarantine/reject", reject_quarantined, methods=["POST"]),
    ]
