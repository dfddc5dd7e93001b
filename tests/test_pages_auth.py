"""The passkey pages without a browser: who may see what, the forms, the redirects.
(The ceremonies themselves run in Chromium: tests/browser/test_passkey_journeys.py.)"""

from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET

import httpx
import pytest
from sqlmodel import select

from ecabinet.db import Database
from ecabinet.models import AuditEvent, PasskeyCredential
from ecabinet.settings import Settings
from ecabinet.web.pages_auth import device_guess, local_path
from ecabinet.web.qr import qr_data_uri

from .support.factories import Seat, authenticator, enroll, seat_people


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    assert found, "the page has no form token"
    return found.group(1)


async def signed_in(client: httpx.AsyncClient, seat: Seat, settings: Settings) -> str:
    """Enroll the seat's person (which signs them in); returns a form token."""
    response = await enroll(client, seat.token, authenticator(settings))
    assert response.status_code == 201, response.text
    return csrf_of((await client.get("/me/devices")).text)


async def passkeys(db: Database) -> list[PasskeyCredential]:
    async with db.read() as session:
        return list((await session.exec(select(PasskeyCredential))).all())


@pytest.mark.parametrize(
    "path", ["/me/devices", "/me/devices/1/revoke", "/people/1", "/bodies/1/people"]
)
async def test_anonymous_visitor_is_sent_to_sign_in_and_back(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path)
    assert response.status_code == 303
    assert response.headers["location"] == "/signin?next=" + path.replace("/", "%2F")


async def test_anonymous_form_post_goes_to_sign_in(client: httpx.AsyncClient) -> None:
    token = csrf_of((await client.get("/")).text)
    response = await client.post(
        "/me/devices/1/rename", data={"device_name": "x", "csrf_token": token}
    )
    assert (response.status_code, response.headers["location"]) == (303, "/signin")


async def test_the_api_still_answers_401(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/me")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("/me/devices", "/me/devices"),
        ("/people/3?x=1", "/people/3?x=1"),
        (None, "/"),
        ("", "/"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("me/devices", "/"),
    ],
)
def test_sign_in_only_returns_to_a_local_path(given: str | None, expected: str) -> None:
    assert local_path(given) == expected


async def test_sign_in_page_keeps_only_a_local_next(client: httpx.AsyncClient) -> None:
    page = (await client.get("/signin", params={"next": "//evil.example"})).text
    assert 'data-next="/"' in page
    assert "Đăng nhập bằng vân tay hoặc khuôn mặt" in page
    page = (await client.get("/signin", params={"next": "/me/devices"})).text
    assert 'data-next="/me/devices"' in page


@pytest.mark.parametrize(
    ("agent", "name"),
    [
        ("Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X)", "iPad"),
        ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) Safari/605.1.15", "iPad or Mac"),
        ("Mozilla/5.0 (Linux; Android 14; SM-X710) Chrome/126.0 Safari/537.36", "Android tablet"),
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) Chrome/126.0 Mobile Safari/537.36",
            "Android phone",
        ),
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64)", "Windows computer"),
        ("", "Tablet"),
    ],
)
def test_device_name_is_guessed_from_the_browser(agent: str, name: str) -> None:
    assert device_guess(agent) == name


async def test_enrollment_page_greets_the_person(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seat = (await seat_people(db, settings))["member"]
    response = await client.get(
        f"/enroll/{seat.token}",
        headers={"user-agent": "Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X)"},
    )
    assert response.status_code == 200
    assert "Kính chào Người member" in response.text
    assert 'value="iPad"' in response.text
    assert f'data-url="/api/enrollments/{seat.token}"' in response.text


async def test_an_unknown_enrollment_link_is_refused_and_audited(
    client: httpx.AsyncClient, db: Database
) -> None:
    response = await client.get("/enroll/not-a-token")
    assert response.status_code == 403
    assert 'role="alert"' in response.text
    async with db.read() as session:
        kinds = [e.kind for e in (await session.exec(select(AuditEvent))).all()]
    assert "refused.enrollment" in kinds


async def test_sign_out_form_ends_the_session(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    token = await signed_in(client, (await seat_people(db, settings))["member"], settings)
    cookie = client.cookies.get("ecab_session")
    response = await client.post("/signout", data={"csrf_token": token})
    assert (response.status_code, response.headers["location"]) == (303, "/")
    assert 'ecab_session=""' in response.headers["set-cookie"]
    client.cookies.set("ecab_session", cookie or "")
    assert (await client.get("/me/devices")).status_code == 303


async def test_sign_out_without_form_token_is_refused(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    await signed_in(client, (await seat_people(db, settings))["member"], settings)
    assert (await client.post("/signout")).status_code == 403
    assert (await client.get("/me/devices")).status_code == 200


async def test_rename_and_revoke_own_device(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    token = await signed_in(client, (await seat_people(db, settings))["member"], settings)
    [row] = await passkeys(db)
    response = await client.post(
        f"/me/devices/{row.id}/rename",
        data={"device_name": "  iPad   phòng họp ", "csrf_token": token},
    )
    assert (response.status_code, response.headers["location"]) == (303, "/me/devices")
    assert "iPad phòng họp" in (await client.get("/me/devices")).text

    confirm = await client.get(f"/me/devices/{row.id}/revoke")
    assert "Thu hồi “iPad phòng họp”?" in confirm.text
    assert "bạn sẽ bị đăng xuất" in confirm.text  # it is the device in hand
    response = await client.post(f"/me/devices/{row.id}/revoke", data={"csrf_token": token})
    assert (response.status_code, response.headers["location"]) == (303, "/signin")
    [row] = await passkeys(db)
    assert row.revoked_at is not None
    assert (await client.get("/me/devices")).status_code == 303


async def test_nobody_renames_another_persons_device(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    people = await seat_people(db, settings)
    await enroll(client, people["chair"].token, authenticator(settings))
    token = await signed_in(client, people["member"], settings)
    chair_key = next(r for r in await passkeys(db) if r.person_id == people["chair"].person_id)
    response = await client.post(
        f"/me/devices/{chair_key.id}/rename", data={"device_name": "mine", "csrf_token": token}
    )
    assert response.status_code == 404
    response = await client.post(f"/me/devices/{chair_key.id}/revoke", data={"csrf_token": token})
    assert response.status_code == 404
    assert all(r.revoked_at is None for r in await passkeys(db))


# A system administrator sees people but enrolls only those without a seat: a seated
# person's first link comes from the secretariat of every body they sit in.
@pytest.mark.parametrize(
    ("role", "allowed", "issues"),
    [
        ("member", False, False),
        ("chair", False, False),
        ("observer", False, False),
        ("secretariat", True, True),
        ("admin", True, False),
    ],
)
async def test_only_those_who_manage_members_see_people_pages(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    role: str,
    allowed: bool,
    issues: bool,
) -> None:
    people = await seat_people(db, settings)
    token = await signed_in(client, people[role], settings)
    member = people["member"]
    for path in (f"/people/{member.person_id}", f"/bodies/{member.body_id}/people"):
        assert (await client.get(path)).status_code == (200 if allowed else 403), path
    issued = await client.post(f"/people/{member.person_id}/enrollment", data={"csrf_token": token})
    assert issued.status_code == (200 if issues else 403)


async def test_roster_counts_usable_passkeys(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    people = await seat_people(db, settings)
    await signed_in(client, people["secretariat"], settings)
    page = (await client.get(f"/bodies/{people['member'].body_id}/people")).text
    rows = {row.split("</a>")[0].rsplit(">", 1)[1]: row for row in page.split("<tr>")[2:]}
    assert "<td>1</td>" in rows["Người secretariat"]
    assert "Không có: chưa đăng nhập được" in rows["Người member"]


async def test_secretariat_revokes_with_a_reason_but_needs_a_recovery_for_a_link(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    people = await seat_people(db, settings)
    member = people["member"]
    await enroll(client, member.token, authenticator(settings))
    client.cookies.clear()
    token = await signed_in(client, people["secretariat"], settings)
    key = next(r for r in await passkeys(db) if r.person_id == member.person_id)
    path = f"/people/{member.person_id}/passkeys/{key.id}/revoke"
    assert (await client.post(path, data={"csrf_token": token})).status_code == 422
    response = await client.post(path, data={"reason": "stolen", "csrf_token": token})
    assert (response.status_code, response.headers["location"]) == (
        303,
        f"/people/{member.person_id}",
    )
    key = next(r for r in await passkeys(db) if r.id == key.id)
    assert key.revoked_reason == "stolen device"

    issued = await client.post(f"/people/{member.person_id}/enrollment", data={"csrf_token": token})
    assert issued.status_code == 403
    assert "đã có khóa truy cập" in issued.text
    page = (await client.get(f"/people/{member.person_id}")).text
    assert 'data-passkey="approve-recovery"' in page
    assert "Secretariat: 0 of 2 approvals" not in page  # Vietnamese page
    assert "Chính phủ: 0/2 phê duyệt" in page


async def test_secretariat_issues_a_first_link_with_its_qr_code(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    people = await seat_people(db, settings)
    member = people["member"]
    token = await signed_in(client, people["secretariat"], settings)
    issued = await client.post(f"/people/{member.person_id}/enrollment", data={"csrf_token": token})
    assert issued.headers["cache-control"] == "no-store"
    url = re.search(r'id="enrollment-url" class="url" value="([^"]+)"', issued.text)
    assert url and url.group(1).startswith(settings.origin + "/enroll/")
    assert "data:image/svg+xml;base64," in issued.text
    client.cookies.clear()
    # The link the factory made earlier and this one are both first-enrollment links: once
    # one is used, the other no longer works (it is not a way around recovery).
    assert (await enroll(client, member.token, authenticator(settings))).status_code == 201
    opened = await client.get(url.group(1).removeprefix(settings.origin))
    assert opened.status_code == 403
    assert "đăng ký lần đầu" in opened.text


def test_qr_code_is_an_svg_image_without_inline_script() -> None:
    uri = qr_data_uri("http://localhost:8000/enroll/abc")
    svg = base64.b64decode(uri.removeprefix("data:image/svg+xml;base64,")).decode()
    root = ET.fromstring(svg.encode())
    assert root.tag.endswith("svg") and root.get("viewBox") == "0 0 330 330"
    assert len(root.findall(".//{http://www.w3.org/2000/svg}rect")) > 100
    assert "<script" not in svg
