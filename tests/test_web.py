"""The app factory's promises: pages, probes, errors, security headers, CSRF, body limit."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
from sqlmodel import select

from ecabinet.db import Database
from ecabinet.models import AuditEvent


async def test_home_is_vietnamese_by_default(client: httpx.AsyncClient) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    assert '<html lang="vi">' in response.text
    assert "Nội các điện tử" in response.text


async def test_english_is_selectable_and_remembered(client: httpx.AsyncClient) -> None:
    home = await client.get("/")
    token = _csrf_token(home.text)
    response = await client.post(
        "/language", data={"locale": "en", "next": "/", "csrf_token": token}
    )
    assert response.status_code == 303
    english = await client.get("/")
    assert '<html lang="en">' in english.text
    assert "Electronic cabinet" in english.text


async def test_probes_answer(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json() == {"status": "ready"}


async def test_unknown_api_path_is_problem_json(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 404
    assert body["type"] == "urn:ecabinet:problem:not-found"
    assert body["detail"]
    assert body["instance"] == "/api/nothing-here"


async def test_unknown_page_is_html_in_vietnamese(client: httpx.AsyncClient) -> None:
    response = await client.get("/no/such/page")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Không tìm thấy" in response.text


async def test_security_headers_on_every_response(client: httpx.AsyncClient) -> None:
    for path in ("/", "/healthz", "/api/nothing-here", "/static/css/app.css"):
        headers = (await client.get(path)).headers
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"


async def test_cookies_are_httponly_and_strict(client: httpx.AsyncClient) -> None:
    response = await client.get("/")
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie


async def test_form_post_without_csrf_token_is_refused_and_audited(
    client: httpx.AsyncClient, db: Database
) -> None:
    await client.get("/")
    response = await client.post("/language", data={"locale": "en"})
    assert response.status_code == 403
    assert "Tải lại trang" in response.text
    async with db.read() as session:
        events = (await session.exec(select(AuditEvent))).all()
    assert [e.kind for e in events] == ["refused.csrf"]
    assert events[0].subject == "/language"


async def test_form_post_with_a_forged_token_is_refused(client: httpx.AsyncClient) -> None:
    await client.get("/")
    response = await client.post("/language", data={"locale": "en", "csrf_token": "0" * 64})
    assert response.status_code == 403


async def test_cross_site_origin_is_refused(client: httpx.AsyncClient) -> None:
    home = await client.get("/")
    response = await client.post(
        "/language",
        data={"locale": "en", "csrf_token": _csrf_token(home.text)},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 403


async def test_over_limit_body_is_413(client: httpx.AsyncClient) -> None:
    home = await client.get("/")
    big = "x" * (1_048_576 + 10)
    response = await client.post(
        "/language", data={"locale": "en", "pad": big, "csrf_token": _csrf_token(home.text)}
    )
    assert response.status_code == 413
    api = await client.post(
        "/api/anything",
        content=b"{" + b" " * 1_100_000 + b"}",
        headers={"content-type": "application/json"},
    )
    assert api.status_code == 413
    assert api.json()["status"] == 413


async def test_over_limit_stream_without_length_is_413(client: httpx.AsyncClient) -> None:
    home = await client.get("/")

    async def chunks() -> AsyncIterator[bytes]:
        yield f"csrf_token={_csrf_token(home.text)}&locale=en&pad=".encode()
        for _ in range(20):
            yield b"y" * 65536

    response = await client.post(
        "/language",
        content=chunks(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413


async def test_language_refuses_an_unknown_locale(client: httpx.AsyncClient) -> None:
    home = await client.get("/")
    response = await client.post(
        "/language", data={"locale": "fr", "csrf_token": _csrf_token(home.text)}
    )
    assert response.status_code == 422


async def test_readyz_reports_an_unmigrated_database(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from ecabinet.app import create_app
    from ecabinet.settings import load_settings

    settings = load_settings(environ={}, data_dir=str(tmp_path), session_secret="s" * 40)
    app = create_app(settings)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://localhost:8000"
    ) as http:
        response = await http.get("/readyz")
    await app.state.db.dispose()
    assert response.status_code == 503
    assert "ecabinet db upgrade" in response.text


def _csrf_token(html: str) -> str:
    marker = '<meta name="csrf-token" content="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]
