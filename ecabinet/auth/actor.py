"""The actor of a request: a signed-in person with their seats, or nobody."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..models import LoginSession, Membership, Person


@dataclass(frozen=True)
class Actor:
    person: Person | None = None
    login: LoginSession | None = None
    memberships: dict[int, Membership] = field(default_factory=dict)  # by body id

    @property
    def signed_in(self) -> bool:
        return self.person is not None

    @property
    def person_id(self) -> int | None:
        return None if self.person is None else self.person.id

    @property
    def is_admin(self) -> bool:
        return self.person is not None and self.person.is_admin

    def seat(self, body_id: int) -> Membership | None:
        return self.memberships.get(body_id)


ANONYMOUS = Actor()
