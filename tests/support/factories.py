"""Building blocks for tests: a body with one person per role, and passkey journeys
through the real API with the software authenticator."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from ecabinet.actions.bodies import add_member, create_body
from ecabinet.actions.enrollment import issue_enrollment
from ecabinet.db import Database, Tx
from ecabinet.models import Body, Person
from ecabinet.settings import Settings
from ecabinet.softauthn import SoftAuthenticator
from ecabinet.vocab import Classification, Role

ROLES = ("chair", "member", "secretariat", "observer", "admin")


@dataclass
class Seat:
    role: str
    person_id: int
    body_id: int
    token: str


async def seat_people(db: Database, settings: Settings, slug: str = "chinh-phu") -> dict[str, Seat]:
    """A body with a chair, a member, a secretariat, an observer and a system admin."""
    seats: dict[str, Seat] = {}
    async with db.transaction() as tx:
        body = await create_body(tx, actor_id=None, slug=slug, name="Chính phủ")
        assert body.id is not None
        for role in ("chair", "member", "secretariat", "observer"):
            seats[role] = await add_seat(
                tx, settings, body, f"Người {role}", f"{role}@{slug}.example", Role(role)
            )
        admin = Person(full_name="Quản trị hệ thống", email=f"admin@{slug}.example", is_admin=True)
        tx.session.add(admin)
        await tx.session.flush()
        assert admin.id is not None
        url = await issue_enrollment(tx, settings, actor_id=None, person_id=admin.id)
        seats["admin"] = Seat("admin", admin.id, body.id, url.rsplit("/", 1)[1])
    return seats


async def add_seat(
    tx: Tx,
    settings: Settings,
    body: Body,
    full_name: str,
    email: str,
    role: Role = Role.MEMBER,
    *,
    seat_order: int = 0,
) -> Seat:
    """A seat in ``body`` (cleared for MẬT) for a new person, or the one with that e-mail,
    and a link to enroll a device."""
    assert body.id is not None
    seat = await add_member(
        tx,
        actor_id=None,
        body=body,
        full_name=full_name,
        role=role,
        email=email,
        clearance=Classification.MAT,
        seat_order=seat_order,
    )
    url = await issue_enrollment(tx, settings, actor_id=None, person_id=seat.person_id)
    return Seat(role.value, seat.person_id, body.id, url.rsplit("/", 1)[1])


def authenticator(settings: Settings, alg: str = "ES256") -> SoftAuthenticator:
    return SoftAuthenticator(origin=settings.origin, rp_id=settings.rp_id, alg=alg)  # type: ignore[arg-type]


async def enroll(
    client: httpx.AsyncClient, token: str, device: SoftAuthenticator, name: str = "Máy tính bảng"
) -> httpx.Response:
    options = await client.post(f"/api/enrollments/{token}/options", json={})
    assert options.status_code == 200, options.text
    credential = device.register(options.json())
    return await client.post(
        f"/api/enrollments/{token}", json={"credential": credential, "deviceName": name}
    )


async def sign_in(
    client: httpx.AsyncClient, device: SoftAuthenticator, **switches: Any
) -> httpx.Response:
    options = await client.post("/api/session/options", json={})
    assert options.status_code == 200, options.text
    assertion = device.assert_(options.json(), **switches)
    return await client.post("/api/session", json={"credential": assertion})


async def csrf_header(client: httpx.AsyncClient) -> dict[str, str]:
    html = (await client.get("/")).text
    marker = '<meta name="csrf-token" content="'
    start = html.index(marker) + len(marker)
    return {"X-CSRF-Token": html[start : html.index('"', start)]}
