"""Who assists whom: an assistant (a non-voting seat in the body) drafts written positions
for one member and receives that member's reminders. The secretariat records it."""

from __future__ import annotations

from sqlmodel import select

from .. import audit
from ..auth.actor import Actor
from ..auth.actor_cache import actors_changed
from ..auth.permissions import Permission, ensure
from ..auth.quarantine import Action, ensure_login_may
from ..db import Tx
from ..errors import NotFound, ValidationFailed
from ..models import Membership
from .ballots import VOTING_ROLES


async def assign(tx: Tx, actor: Actor, *, assistant_id: int, member_id: int | None) -> Membership:
    """Make the seat ``assistant_id`` the assistant of ``member_id`` (None: of nobody)."""
    query = select(Membership).where(Membership.id == assistant_id).with_for_update()
    assistant = (await tx.session.exec(query)).first()
    if assistant is None:
        raise NotFound("There is no seat with the number %(id)s.", id=assistant_id)
    ensure(actor, Permission.MANAGE_MEMBERS, assistant.body_id)
    await ensure_login_may(tx, actor, Action.MANAGE_PEOPLE)
    if member_id is not None:
        member = await tx.session.get(Membership, member_id)
        if member is None or member.body_id != assistant.body_id:
            raise NotFound("There is no seat with the number %(id)s.", id=member_id)
        if member.role not in VOTING_ROLES or member.stand_in_for_id is not None:
            raise ValidationFailed("Only a member who votes has an assistant.")
        if assistant.role in VOTING_ROLES:
            raise ValidationFailed("An assistant has a seat without a vote (an observer's).")
    before = assistant.assists_id
    assistant.assists_id = member_id
    tx.session.add(assistant)
    await tx.session.flush()
    actors_changed(tx, [assistant.person_id], "assists")
    await audit.record(
        tx.session,
        "membership.assists",
        actor_id=actor.person_id,
        body_id=assistant.body_id,
        subject=f"person:{assistant.person_id}",
        assistant=assistant.id,
        member=member_id,
        before=before,
    )
    return assistant
