"""Building blocks for the live-session tests: a Government-like body with a published
meeting (a consent item and items for debate), actors for the actions, and tablets (an
HTTP client with its own cookies and passkey) that check in and vote through the API."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlmodel import col, select
from starlette.applications import Starlette

from ecabinet.actions.enrollment import issue_enrollment
from ecabinet.auth.actor import Actor
from ecabinet.db import Database
from ecabinet.models import (
    AgendaItem,
    Attendance,
    AuditEvent,
    Body,
    Meeting,
    Membership,
    Person,
    utcnow,
)
from ecabinet.settings import Settings, load_settings
from ecabinet.softauthn import SoftAuthenticator
from ecabinet.vocab import Classification, ItemStatus, MeetingState, Role

from .factories import Seat, add_seat, authenticator, csrf_header, enroll, seat_people


@dataclass
class Session:
    """A body, its people (chair, member, secretariat, observer, admin, more members) and
    a published meeting whose first item is in the consent block."""

    seats: dict[str, Seat]
    meeting_id: int
    items: list[int]
    body_id: int

    @property
    def voters(self) -> list[Seat]:
        return [
            self.seats["chair"],
            self.seats["member"],
            *[s for k, s in sorted(self.seats.items()) if k.startswith("member-")],
        ]


async def make_session(
    db: Database,
    settings: Settings,
    *,
    extra_members: int = 0,
    items: int = 3,
    consent: int = 1,
    debated: ItemStatus = ItemStatus.CONTESTED,
    **rules: Any,
) -> Session:
    seats = await seat_people(db, settings)
    body_id = seats["chair"].body_id
    async with db.transaction() as tx:
        body = await tx.session.get(Body, body_id)
        assert body is not None
        for name, value in rules.items():
            setattr(body, name, value)
        tx.session.add(body)
        for n in range(1, extra_members + 1):
            seats[f"member-{n}"] = await add_seat(
                tx, settings, body, f"Bộ trưởng {n}", f"minister-{n}@example.gov", seat_order=10 + n
            )
        now = utcnow()
        meeting = Meeting(
            body_id=body_id,
            number=6,
            title="Phiên họp Chính phủ thường kỳ",
            starts_at=now,
            state=MeetingState.PUBLISHED.value,
            published_at=now,
        )
        tx.session.add(meeting)
        await tx.session.flush()
        assert meeting.id is not None
        rows = [
            AgendaItem(
                meeting_id=meeting.id,
                ordinal=n,
                title=f"Tờ trình số {n}",
                title_en=f"Submission {n}",
                status=(ItemStatus.CONSENT if n <= consent else debated).value,
            )
            for n in range(1, items + 1)
        ]
        tx.session.add_all(rows)
        await tx.session.flush()
        return Session(seats, meeting.id, [r.id for r in rows if r.id is not None], body_id)


async def actor(db: Database, person_id: int) -> Actor:
    async with db.read() as session:
        person = await session.get(Person, person_id)
        seats = (
            await session.exec(select(Membership).where(Membership.person_id == person_id))
        ).all()
    return Actor(person=person, memberships={s.body_id: s for s in seats})


async def seat_id(db: Database, seat: Seat) -> int:
    async with db.read() as session:
        found = (
            await session.exec(
                select(Membership.id).where(
                    Membership.person_id == seat.person_id, Membership.body_id == seat.body_id
                )
            )
        ).one()
    assert found is not None
    return found


async def attend(db: Database, meeting_id: int, *seats: Seat, mode: str = "room") -> None:
    """Check members in directly (the passkey check-in is tested through the API)."""
    ids = [await seat_id(db, seat) for seat in seats]
    async with db.transaction() as tx:
        for membership_id in ids:
            tx.session.add(
                Attendance(
                    meeting_id=meeting_id,
                    membership_id=membership_id,
                    mode=mode,
                    checked_in_at=utcnow(),
                )
            )


async def audit_kinds(db: Database, prefix: str = "") -> list[str]:
    async with db.read() as session:
        rows = (await session.exec(select(AuditEvent.kind).order_by(col(AuditEvent.seq)))).all()
    return [kind for kind in rows if kind.startswith(prefix)]


async def meeting_row(db: Database, meeting_id: int) -> Meeting:
    async with db.read() as session:
        meeting = await session.get(Meeting, meeting_id)
    assert meeting is not None
    return meeting


@dataclass
class Tablet:
    """One member's tablet: its own cookies and its own passkey."""

    client: httpx.AsyncClient
    device: SoftAuthenticator
    seat: Seat
    receipts: list[str] = field(default_factory=list)

    async def check_in(self, meeting_id: int, mode: str = "room") -> httpx.Response:
        options = await self.client.post(
            f"/api/meetings/{meeting_id}/checkin/options", json={"mode": mode}
        )
        assert options.status_code == 200, options.text
        credential = self.device.assert_(options.json()["publicKey"])
        return await self.client.post(
            f"/api/meetings/{meeting_id}/checkin", json={"credential": credential}
        )

    async def options(self, poll: dict[str, Any], choice: str) -> httpx.Response:
        return await self.client.post(
            f"/api/polls/{poll['id']}/ballots/options",
            json={"question": poll["question_id"], "choice": choice},
        )

    async def ballot(
        self, poll: dict[str, Any], choice: str
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Ask for the ballot and sign it; return (issued, signed request body)."""
        issued = await self.options(poll, choice)
        assert issued.status_code == 200, issued.text
        body = issued.json()
        return body, {
            "payload": body["payload"],
            "credential": self.device.assert_(body["publicKey"]),
        }

    async def vote(self, poll: dict[str, Any], choice: str) -> httpx.Response:
        _, signed = await self.ballot(poll, choice)
        cast = await self.client.post(f"/api/polls/{poll['id']}/ballots", json=signed)
        if cast.status_code == 201:
            self.receipts.append(cast.json()["receipt"])
        return cast

    async def snapshot(self, meeting_id: int) -> dict[str, Any]:
        response = await self.client.get(f"/api/meetings/{meeting_id}/session")
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result


async def tablet(
    transport: httpx.AsyncBaseTransport, base_url: str, settings: Settings, seat: Seat
) -> Tablet:
    client = httpx.AsyncClient(transport=transport, base_url=base_url)
    client.cookies.set("ecab_lang", "en")  # refusals read in English in the assertions
    device = authenticator(settings)
    answer = await enroll(client, seat.token, device)
    assert answer.status_code in (200, 201), answer.text
    return Tablet(client, device, seat)


async def add_deputy(db: Database, settings: Settings, live: Session, principal: Seat) -> Seat:
    """A deputy minister who may attend in ``principal``'s place."""
    principal_id = await seat_id(db, principal)
    async with db.transaction() as tx:
        person = Person(full_name="Thứ trưởng", email="deputy@example.gov")
        tx.session.add(person)
        await tx.session.flush()
        assert person.id is not None
        tx.session.add(
            Membership(
                body_id=live.body_id,
                person_id=person.id,
                role=Role.MEMBER.value,
                stand_in_for_id=principal_id,
                clearance=Classification.MAT,
            )
        )
        url = await issue_enrollment(tx, settings, actor_id=None, person_id=person.id)
    seat = Seat("deputy", person.id, live.body_id, url.rsplit("/", 1)[1])
    live.seats["deputy"] = seat
    return seat


def live_settings(database_url: str, tmp_path: Path, port: int, heartbeat: int = 1) -> Settings:
    return load_settings(
        environ={},
        database_url=database_url,
        data_dir=str(tmp_path / "data"),
        origin=f"http://localhost:{port}",
        session_secret="live-secret-" + "x" * 40,
        log_level="warning",
        ws_heartbeat_seconds=heartbeat,
        presence_grace_seconds=2,
        sweep_seconds=0,
    )


async def role_tablet(
    client: httpx.AsyncClient, settings: Settings, live: Session, role: str, made: list[Tablet]
) -> Tablet:
    """A seat's tablet that also posts forms (with the CSRF header)."""
    one = await seat_tablet(client, settings, live, role, made)
    one.client.headers.update(await csrf_header(one.client))
    return one


async def issue_display_link(secretariat: Tablet, body_id: int, name: str) -> str:
    issued = await secretariat.client.post(f"/bodies/{body_id}/displays", data={"name": name})
    assert issued.status_code == 200, issued.text
    found = re.search(r'value="(http://[^"]+/display/enroll/[^"]+)"', issued.text)
    assert found is not None
    return found.group(1).split("localhost", 1)[-1].split("/", 1)[-1]


async def display_screen(app: Starlette, settings: Settings, path: str) -> httpx.AsyncClient:
    screen = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=settings.origin)
    screen.cookies.set("ecab_lang", "en")
    page = await screen.get(f"/{path}")
    assert page.status_code == 200 and "Make this screen the room display" in page.text
    screen.headers.update(await csrf_header(screen))
    confirmed = await screen.post(f"/{path}")
    assert confirmed.status_code == 303 and confirmed.headers["location"] == "/display"
    return screen


async def post(
    one: Tablet, url: str, body: dict[str, Any] | None = None, status: int | None = None
) -> dict[str, Any]:
    """POST as the tablet; the answer's JSON, once its status is ``status`` (any success
    when not given)."""
    response = await one.client.post(url, json=body or {})
    if status is None:
        assert response.status_code in (200, 201), response.text
    else:
        assert response.status_code == status, response.text
    result: dict[str, Any] = response.json()
    return result


async def mark_triaged(db: Database, meeting_id: int) -> None:
    """The agenda as make_session laid it out stays (the sweeper's triage at the opinion
    deadline would move the items without objections into the consent block)."""
    async with db.transaction() as tx:
        meeting = await tx.session.get(Meeting, meeting_id)
        assert meeting is not None
        meeting.triaged_at = utcnow()
        tx.session.add(meeting)


async def seat_tablet(
    client: httpx.AsyncClient, settings: Settings, live: Session, role: str, made: list[Tablet]
) -> Tablet:
    """The tablet of the seat ``role``, in process beside ``client``, kept in ``made``."""
    one = await tablet(client._transport, str(client.base_url), settings, live.seats[role])
    made.append(one)
    return one


# Opened before anyone checks in: the chair confirms the warning about the quorum.
OPEN_ANYWAY = {"confirm": True}
