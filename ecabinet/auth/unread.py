"""The number behind the notification badge, read with the actor on every page."""

from __future__ import annotations

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..models import Notification


async def unread_notifications(session: AsyncSession, person_id: int) -> int:
    count: int = (await session.exec(select(func.count()).select_from(Notification).where(
        Notification.person_id == person_id, col(Notification.read_at).is_(None)))).one()
    return count
