"""One declared set of permissions and one call that checks them.

A permission is held through a seat in a body (its role), or by a system administrator.
Every page and API route calls :func:`ensure` (or :func:`ensure_signed_in`) before it
does anything; the test matrix in tests/test_permissions.py proves each route does.
"""

from __future__ import annotations

from enum import StrEnum

from ..errors import Forbidden, Unauthenticated
from ..models import Membership
from ..vocab import Role
from .actor import Actor


class Permission(StrEnum):
    VIEW_BODY = "body.view"
    READ_DOCUMENTS = "documents.read"
    PREPARE_MEETINGS = "meetings.prepare"
    GIVE_POSITION = "positions.give"
    COMMENT = "comments.write"
    RESOLVE_COMMENTS = "comments.resolve"
    VIEW_POSITIONS = "positions.view_all"
    VOTE = "votes.cast"
    RUN_SESSION = "session.run"
    APPROVE_POLLS = "polls.approve"
    MANAGE_MEMBERS = "members.manage"
    EDIT_MINUTES = "minutes.edit"
    SIGN_MINUTES_AS_CHAIR = "minutes.sign_chair"
    SIGN_MINUTES_AS_SECRETARY = "minutes.sign_secretary"
    MANAGE_BODY = "body.manage"


_MEMBER = frozenset(
    {
        Permission.VIEW_BODY,
        Permission.READ_DOCUMENTS,
        Permission.GIVE_POSITION,
        Permission.COMMENT,
        Permission.VOTE,
    }
)

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.OBSERVER: frozenset({Permission.VIEW_BODY, Permission.READ_DOCUMENTS}),
    Role.MEMBER: _MEMBER,
    Role.CHAIR: _MEMBER
    | {
        Permission.VIEW_POSITIONS,
        Permission.RUN_SESSION,
        Permission.APPROVE_POLLS,
        Permission.SIGN_MINUTES_AS_CHAIR,
    },
    # The secretariat prepares and runs the session on the chair's behalf, but never votes.
    Role.SECRETARIAT: frozenset(
        {
            Permission.VIEW_BODY,
            Permission.READ_DOCUMENTS,
            Permission.PREPARE_MEETINGS,
            Permission.RESOLVE_COMMENTS,
            Permission.VIEW_POSITIONS,
            Permission.RUN_SESSION,
            Permission.MANAGE_MEMBERS,
            Permission.EDIT_MINUTES,
            Permission.SIGN_MINUTES_AS_SECRETARY,
        }
    ),
    Role.ADMIN: frozenset(
        {
            Permission.VIEW_BODY,
            Permission.MANAGE_MEMBERS,
            Permission.MANAGE_BODY,
        }
    ),
}

# A system administrator manages people and bodies everywhere, and nothing else.
ADMIN_PERMISSIONS = ROLE_PERMISSIONS[Role.ADMIN]


def permissions_of(actor: Actor, body_id: int | None) -> frozenset[Permission]:
    granted: frozenset[Permission] = ADMIN_PERMISSIONS if actor.is_admin else frozenset()
    seat = None if body_id is None else actor.seat(body_id)
    if seat is not None:
        granted = granted | ROLE_PERMISSIONS[Role(seat.role)]
    return granted


def can(actor: Actor, permission: Permission, body_id: int | None) -> bool:
    return actor.signed_in and permission in permissions_of(actor, body_id)


def ensure_signed_in(actor: Actor) -> None:
    if not actor.signed_in:
        raise Unauthenticated("Sign in with your passkey to continue.")


def ensure(actor: Actor, permission: Permission, body_id: int | None) -> Membership | None:
    """Refuse unless the actor holds the permission in the body; return their seat."""
    ensure_signed_in(actor)
    if permission not in permissions_of(actor, body_id):
        raise Forbidden(
            "Your role does not allow this (%(permission)s).", permission=permission.value
        )
    return None if body_id is None else actor.seat(body_id)
