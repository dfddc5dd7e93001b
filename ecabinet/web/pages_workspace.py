"""The secretariat's workspace: its bodies' meetings, and one meeting's preparation.

Every change made here goes through the JSON API (small scripts post to it); these views
only read and render.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from ..actions import packets
from ..actions.access import ensure_prepares, load_body, load_meeting
from ..actions.meeting_states import allowed_changes
from ..actions.meetings import bare_items, packet_warnings
from ..auth.permissions import Permission, can, ensure_signed_in
from ..errors import Forbidden
from ..models import utcnow
from ..vocab import Classification, ItemKind, MeetingForm, MeetingKind, MeetingState
from . import calendar_views
from .common import actor_of, db_of, int_param
from .page_helpers import page_tools
from .routing import page
from .templating import render


async def workspace(request: Request) -> Response:
    actor = actor_of(request)
    ensure_signed_in(actor)
    body_ids = [b for b in actor.memberships if can(actor, Permission.PREPARE_MEETINGS, b)]
    if not body_ids:
        raise Forbidden("Only the secretariat of this body prepares its meetings.")
    async with db_of(request).read() as session:
        bodies = [await load_body(session, body_id) for body_id in body_ids]
        visible = await packets.visible_meetings(session, actor)
    return render(
        request,
        "workspace.html",
        {
            **page_tools(request),
            "bodies": bodies,
            "meetings": [a.meeting for a in visible if a.meeting.body_id in body_ids],
            "kinds": list(MeetingKind),
            "forms": list(MeetingForm),
        },
    )


async def prepare_meeting(request: Request) -> Response:
    actor = actor_of(request)
    db = db_of(request)
    async with db.read() as session:
        meeting = await load_meeting(session, int_param(request, "meeting_id"))
        ensure_prepares(actor, meeting.body_id)
        view = await packets.meeting_view(session, actor, meeting)
    warnings = []
    if meeting.state == MeetingState.DRAFT.value:
        async with db.transaction() as tx:  # read-only: the warnings the publish would give
            warnings = packet_warnings(meeting, view.body, await bare_items(tx, meeting), utcnow())
    seat = actor.seat(meeting.body_id)
    levels = [
        level
        for level in Classification
        if level <= min(view.body.max_classification, seat.clearance if seat else 0)
    ]
    plans: dict[str, object] = {"expected": None, "plans": [], "answer_labels": {}}
    if meeting.state == MeetingState.PUBLISHED.value:
        async with db.transaction() as tx:
            plans = await calendar_views.expected(tx, meeting.id or 0)
    return render(
        request,
        "workspace_meeting.html",
        {
            **plans,
            **page_tools(request),
            "view": view,
            "allowed": allowed_changes(meeting),
            "warnings": warnings,
            "kinds": list(MeetingKind),
            "forms": list(MeetingForm),
            "item_kinds": list(ItemKind),
            "levels": levels,
            "runs_session": can(actor, Permission.RUN_SESSION, meeting.body_id),
        },
    )


def routes() -> list[BaseRoute]:
    return [
        page("/workspace", workspace, name="workspace"),
        page("/workspace/meetings/{meeting_id}", prepare_meeting, name="prepare_meeting"),
    ]
