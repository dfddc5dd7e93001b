"""Who votes in a body: one definition for the actions and the minutes alike."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..models import Membership
from ..vocab import Role

VOTING_ROLES = (Role.CHAIR.value, Role.MEMBER.value)


async def entitled_voters(db: AsyncSession, body_id: int) -> list[Membership]:
    """The members who vote: chair and members, active, not stand-ins (a stand-in votes
    only where the body allows it, in the live session)."""
    rows = await db.exec(
        select(Membership)
        .where(
            Membership.body_id == body_id,
            col(Membership.active),
            col(Membership.role).in_(VOTING_ROLES),
            col(Membership.stand_in_for_id).is_(None),
        )
        .order_by(col(Membership.seat_order))
    )
    return list(rows.all())
