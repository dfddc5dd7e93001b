"""Seeding for bench_live.py: a body of N members, each signed in (a session token), the
voters with a real passkey (a software authenticator whose public key the server holds,
so every ballot passes the server's full WebAuthn verification) and checked in."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from ecabinet.auth.logins import start_login
from ecabinet.db import Database
from ecabinet.migrate import upgrade
from ecabinet.models import (
    AgendaItem,
    Attendance,
    Body,
    Meeting,
    Membership,
    PasskeyCredential,
    Person,
    utcnow,
)
from ecabinet.softauthn import SoftAuthenticator, b64url
from ecabinet.vocab import ItemStatus, MeetingState, Role


@dataclass
class Member:
    person_id: int
    token: str
    device: SoftAuthenticator | None = None


@dataclass
class Seeded:
    meeting_id: int
    items: list[int]
    members: list[Member]  # members[0] is the chair

    @property
    def voters(self) -> list[Member]:
        return [m for m in self.members if m.device is not None]


def _passkey(
    person: Person, origin: str, rp_id: str
) -> tuple[SoftAuthenticator, PasskeyCredential]:
    device = SoftAuthenticator(origin=origin, rp_id=rp_id, alg="ES256")
    answer = device.register(
        {
            "rp": {"id": rp_id, "name": "e-Cabinet"},
            "user": {"id": b64url(person.webauthn_user_id.encode())},
            "challenge": b64url(secrets.token_bytes(32)),
        }
    )
    raw = next(iter(device.credentials))
    assert person.id is not None
    return device, PasskeyCredential(
        person_id=person.id,
        credential_id=answer["id"],
        public_key_cose=device.public_key_cose(raw),
        public_key_spki_pem=device.public_key_spki_pem(raw),
        algorithm=-7,
    )


async def seed(
    url: str, *, members: int, voters: int, items: int, origin: str, rp_id: str
) -> Seeded:
    db = Database(url)
    try:
        await upgrade(db.engine)
        return await _fill(
            db, members=members, voters=voters, items=items, origin=origin, rp_id=rp_id
        )
    finally:
        await db.dispose()


async def _fill(
    db: Database, *, members: int, voters: int, items: int, origin: str, rp_id: str
) -> Seeded:
    async with db.transaction() as tx:
        # Quorum 1% so that the benchmark's body of thousands can open votes.
        body = Body(
            slug=f"bench-{secrets.token_hex(3)}",
            name="Hội đồng thử tải",
            quorum_numerator=1,
            quorum_denominator=100,
        )
        tx.session.add(body)
        await tx.session.flush()
        people = [Person(full_name=f"Thành viên {n}") for n in range(members)]
        tx.session.add_all(people)
        await tx.session.flush()
        seats = [
            Membership(
                body_id=body.id or 0,
                person_id=p.id or 0,
                seat_order=n,
                role=(Role.CHAIR if n == 0 else Role.MEMBER).value,
            )
            for n, p in enumerate(people)
        ]
        tx.session.add_all(seats)
        now = utcnow()
        meeting = Meeting(
            body_id=body.id or 0,
            title="Phiên họp thử tải",
            starts_at=now,
            state=MeetingState.PUBLISHED.value,
            published_at=now,
        )
        tx.session.add(meeting)
        await tx.session.flush()
        rows = [
            AgendaItem(
                meeting_id=meeting.id or 0,
                ordinal=n + 1,
                title=f"Nội dung {n + 1}",
                status=ItemStatus.CONTESTED.value,
            )
            for n in range(items)
        ]
        tx.session.add_all(rows)
        result: list[Member] = []
        for n, person in enumerate(people):
            token = await start_login(tx.session, person, credential_id=None)
            device = None
            if n < voters:
                device, credential = _passkey(person, origin, rp_id)
                tx.session.add(credential)
                tx.session.add(
                    Attendance(
                        meeting_id=meeting.id or 0,
                        membership_id=seats[n].id or 0,
                        mode="room",
                        checked_in_at=now,
                    )
                )
            result.append(Member(person.id or 0, token, device))
        await tx.session.flush()
        return Seeded(meeting.id or 0, [r.id or 0 for r in rows], result)
