"""One seeded world for the seats x channels matrix, built once per module against a real
server: a body with a meeting in session (two items, documents, a position, a comment, a
closed vote with names and an open one), a draft meeting, and a meeting of another body.

Every title and text carries a marker word, so a test can tell from any answer (page,
JSON, PDF, calendar, websocket frame) whether something of it got through."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import update
from sqlmodel import col

from ecabinet.actions.calendar import new_feed
from ecabinet.actions.enrollment import issue_enrollment
from ecabinet.db import Database
from ecabinet.models import Membership, Person, utcnow
from ecabinet.settings import Settings
from ecabinet.vocab import Classification, Role

from ..support.factories import Seat, csrf_header, seat_people
from ..support.live import Tablet, actor, attend, seat_id, tablet
from ..support.packets import make_pdf

# The seats of the matrix: every kind the security model names, and nobody at all.
SEATS = (
    "secretariat",
    "chair",
    "member",
    "stand_in",
    "observer",
    "guest",
    "display",
    "outsider",
    "anonymous",
)

MEMBER_NAME = "Bộ trưởng NOVEMBERNAME"
STAND_IN_NAME = "Thứ trưởng OSCARNAME"


@dataclass
class World:
    settings: Settings
    ids: dict[str, int] = field(default_factory=dict)
    tablets: dict[str, Tablet] = field(default_factory=dict)
    calendars: dict[str, str] = field(default_factory=dict)
    clients: dict[str, httpx.AsyncClient] = field(default_factory=dict)


# What each marker belongs to, and so who may see it.
MEETING_MARKERS = {"M": "KILOMEET", "D": "DRAFTMEET", "G": "GOLFMEET"}
ITEM_MARKERS = {"ALPHA": "ALPHAITEM", "BRAVO": "BRAVOITEM", "DI": "DRAFTITEM", "GI": "GOLFITEM"}
DOCUMENTS = {  # name: (item, title marker, text marker, classification)
    "ADOC": ("ALPHA", "ALPHADOC", "ALPHABYTES", "internal"),
    "MDOC": ("ALPHA", "MIKEDOC", "MIKEBYTES", "mat"),
    "BDOC": ("BRAVO", "BRAVODOC", "BRAVOBYTES", "internal"),
    "DDOC": ("DI", "DRAFTDOC", "DRAFTBYTES", "internal"),
    "GDOC": ("GI", "GOLFDOC", "GOLFBYTES", "internal"),
}
POSITION = "INDIAPOS"  # the member's written position on BRAVO
COMMENT = "JULIETCOMMENT"  # the member's comment on BRAVO's document
RESULT = "QUEBECQ"  # the question of the closed, open-ballot vote on BRAVO
OPEN_VOTE = "ROMEOQ"  # the question of the vote left open on ALPHA


def _meeting(title: str, days: float = 5) -> dict[str, Any]:
    starts = utcnow() + timedelta(days=days)
    return {
        "title": title,
        "kind": "regular",
        "form": "mixed",
        "place": "Hà Nội",
        "startsAt": starts.isoformat(),
        "opinionDeadline": (starts - timedelta(days=2)).isoformat(),
    }


async def _ok(response: httpx.Response, *codes: int) -> dict[str, Any]:
    assert response.status_code in (codes or (200, 201)), (response.request.url, response.text)
    return dict(response.json()) if response.content else {}


async def _person(db: Database, settings: Settings, name: str, email: str) -> Seat:
    async with db.transaction() as tx:
        person = Person(full_name=name, email=email)
        tx.session.add(person)
        await tx.session.flush()
        assert person.id is not None
        url = await issue_enrollment(tx, settings, actor_id=None, person_id=person.id)
    return Seat("guest", person.id, 0, url.rsplit("/", 1)[1])


async def _stand_in(db: Database, settings: Settings, principal: Seat) -> Seat:
    principal_id = await seat_id(db, principal)
    seat = await _person(db, settings, STAND_IN_NAME, "oscar@example.gov")
    async with db.transaction() as tx:
        tx.session.add(
            Membership(
                body_id=principal.body_id,
                person_id=seat.person_id,
                role=Role.MEMBER.value,
                stand_in_for_id=principal_id,
                clearance=Classification.MAT,
            )
        )
    return Seat("stand_in", seat.person_id, principal.body_id, seat.token)


async def _documents(world: World, secretariat: httpx.AsyncClient, names: tuple[str, ...]) -> None:
    headers = await csrf_header(secretariat)
    for name in names:
        item, title, text, level = DOCUMENTS[name]
        data = make_pdf(1, f"sealword {text} sealword")
        created = await _ok(
            await secretariat.post(
                f"/api/items/{world.ids[item]}/documents",
                headers=headers,
                files={"file": ("tai-lieu.pdf", data, "application/pdf")},
                data={
                    "title": f"Tài liệu {title}",
                    "classification": level,
                    "basis": "Khoản 1 Điều 3" if level != "internal" else "",
                },
            )
        )
        world.ids[name] = int(created["document"]["id"])
        world.ids[name.replace("DOC", "V")] = int(created["id"])


async def _items(
    world: World, client: httpx.AsyncClient, meeting: str, items: tuple[str, ...]
) -> None:
    for name in items:
        made = await _ok(
            await client.post(
                f"/api/meetings/{world.ids[meeting]}/items",
                json={
                    "title": f"Tờ trình {ITEM_MARKERS[name]}",
                    "kind": "decision",
                    "presenter": "Bộ Tư pháp",
                },
            )
        )
        world.ids[name] = int(made["id"])


async def build(db: Database, settings: Settings) -> World:
    world = World(settings)
    origin = settings.origin
    a = await seat_people(db, settings)
    b = await seat_people(db, settings, slug="bo-ngoai")
    async with db.transaction() as tx:
        # The other body's people get names of their own; the member's name is a marker.
        for seat in b.values():
            await tx.session.exec(
                update(Person)
                .where(col(Person.id) == seat.person_id)
                .values(full_name=f"Cán bộ {seat.role} ngoài")
            )
        await tx.session.exec(
            update(Person)
            .where(col(Person.id) == a["member"].person_id)
            .values(full_name=MEMBER_NAME)
        )
    world.ids["A"], world.ids["B"] = a["chair"].body_id, b["chair"].body_id
    seats = {role: a[role] for role in ("secretariat", "chair", "member", "observer")}
    seats["stand_in"] = await _stand_in(db, settings, a["member"])
    seats["guest"] = await _person(db, settings, "Khách mời Ủy ban", "guest@example.gov")
    seats["outsider"] = b["member"]
    for role, seat in seats.items():
        world.tablets[role] = await tablet(httpx.AsyncHTTPTransport(), origin, settings, seat)
        world.clients[role] = world.tablets[role].client
        async with db.transaction() as tx:
            token = await new_feed(tx, await actor(db, seat.person_id))
        world.calendars[role] = token
    anonymous = httpx.AsyncClient(base_url=origin)
    anonymous.cookies.set("ecab_lang", "en")
    world.clients["anonymous"] = anonymous
    secretariat = world.clients["secretariat"]
    other = await tablet(httpx.AsyncHTTPTransport(), origin, settings, b["secretariat"])
    world.clients["other-secretariat"] = other.client

    # The meeting in session, the draft, and the other body's meeting.
    made = await _ok(
        await secretariat.post(
            f"/api/bodies/{world.ids['A']}/meetings", json=_meeting("Phiên họp KILOMEET")
        )
    )
    world.ids["M"] = int(made["id"])
    await _items(world, secretariat, "M", ("ALPHA", "BRAVO"))
    made = await _ok(
        await secretariat.post(
            f"/api/bodies/{world.ids['A']}/meetings", json=_meeting("Phiên họp DRAFTMEET", 9)
        )
    )
    world.ids["D"] = int(made["id"])
    await _items(world, secretariat, "D", ("DI",))
    made = await _ok(
        await other.client.post(
            f"/api/bodies/{world.ids['B']}/meetings", json=_meeting("Phiên họp GOLFMEET")
        )
    )
    world.ids["G"] = int(made["id"])
    await _items(world, other.client, "G", ("GI",))
    await _documents(world, secretariat, ("ADOC", "MDOC", "BDOC", "DDOC"))
    await _documents(world, other.client, ("GDOC",))
    await _ok(
        await secretariat.post(
            f"/api/items/{world.ids['ALPHA']}/guests",
            json={
                "name": "Khách mời Ủy ban",
                "affiliation": "Ủy ban",
                "email": "guest@example.gov",
            },
        )
    )
    await _ok(await secretariat.post(f"/api/meetings/{world.ids['M']}/publish", json={}))
    await _ok(await other.client.post(f"/api/meetings/{world.ids['G']}/publish", json={}))

    member = world.clients["member"]
    await _ok(
        await member.put(
            f"/api/items/{world.ids['BRAVO']}/positions/me",
            json={"stance": "disagree", "text": f"{POSITION} cần sửa"},
        )
    )
    await _ok(
        await member.post(
            f"/api/versions/{world.ids['BV']}/comments", json={"text": f"{COMMENT} điều 2"}
        )
    )
    world.ids["member_seat"] = await seat_id(db, a["member"])

    # The session: the chair and the member present, a named vote on BRAVO, ALPHA's open.
    await attend(db, world.ids["M"], a["chair"], a["member"])
    chair = world.tablets["chair"]
    await _ok(
        await chair.client.post(
            f"/api/meetings/{world.ids['M']}/session/open",
            json={"confirm": True, "confirm_early": True},
        )
    )
    await _ok(
        await chair.client.post(
            f"/api/meetings/{world.ids['M']}/session/next", json={"item": world.ids["BRAVO"]}
        )
    )
    poll = await _ok(
        await chair.client.post(
            f"/api/items/{world.ids['BRAVO']}/polls", json={"question": f"Thông qua {RESULT}?"}
        )
    )
    for role in ("chair", "member"):
        await _ok(await world.tablets[role].vote(poll, "for"))
    await _ok(await chair.client.post(f"/api/polls/{poll['id']}/close", json={}))
    await _ok(
        await chair.client.post(
            f"/api/meetings/{world.ids['M']}/session/next", json={"item": world.ids["ALPHA"]}
        )
    )
    poll = await _ok(
        await chair.client.post(
            f"/api/items/{world.ids['ALPHA']}/polls", json={"question": f"Thông qua {OPEN_VOTE}?"}
        )
    )
    world.ids["alpha_poll"] = int(poll["id"])
    world.clients["display"] = await _display(world, secretariat)
    return world


async def _display(world: World, secretariat: httpx.AsyncClient) -> httpx.AsyncClient:
    """The room's projector of body A, enrolled as a display seat with its one-time link."""
    issued = await secretariat.post(
        f"/bodies/{world.ids['A']}/displays",
        data={"name": "Phòng họp A"},
        headers=await csrf_header(secretariat),
    )
    assert issued.status_code == 200, issued.text
    found = re.search(r'value="http://[^"]+(/display/enroll/[^"]+)"', issued.text)
    assert found is not None, issued.text
    screen = httpx.AsyncClient(base_url=world.settings.origin)
    screen.cookies.set("ecab_lang", "en")
    confirmed = await screen.post(found.group(1), headers=await csrf_header(screen))
    assert confirmed.status_code == 303, confirmed.text
    return screen


async def close(world: World) -> None:
    for client in world.clients.values():
        await client.aclose()
