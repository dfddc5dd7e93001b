"""JSON API of conflicts of interest: a member declares one on an agenda item (before the
session or during it, until a vote opens on the item) and may withdraw it until then.
Each call returns the meeting's fresh snapshot (whose ``recusals`` lists the current
item's)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from ..actions import recusals
from .api_session import view
from .bodies import Body, example, parsed, takes
from .common import actor_of, db_of, int_param
from .routing import api


class Declaration(Body):
    """Why the member does not take part in the item."""

    model_config = example({"reason": "Người thân là cổ đông của doanh nghiệp được đề xuất."})
    reason: str


@takes(Declaration)
async def declare(request: Request) -> Response:
    """Declare a conflict of interest on the item: `{"reason": "..."}`. The member leaves
    the item's electorate and, unless the body counts them, its quorum (409 once a vote
    was opened on the item)."""
    body = await parsed(request, Declaration)
    async with db_of(request).transaction() as tx:
        recusal = await recusals.declare(
            tx, actor_of(request), int_param(request, "item"), body.reason
        )
    return await view(request, recusal.meeting_id, 201)


async def withdraw(request: Request) -> Response:
    """Withdraw one's own declaration, while no vote was opened on the item."""
    async with db_of(request).transaction() as tx:
        recusal = await recusals.withdraw(tx, actor_of(request), int_param(request, "recusal"))
    return await view(request, recusal.meeting_id)


def routes() -> list[BaseRoute]:
    return [
        api("/api/items/{item}/recusals", declare, methods=["POST"]),
        api("/api/recusals/{recusal}/withdraw", withdraw, methods=["POST"]),
    ]
