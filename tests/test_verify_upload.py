"""The public verification form is read part by part within its budgets: each file within
ECABINET_VERIFY_MAX_BYTES, the whole form within that and room for the form, its token
checked from the stream, and only its own fields accepted."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from ecabinet.app import create_app
from ecabinet.db import Database
from ecabinet.settings import load_settings

from .support.database import ORIGIN
from .support.factories import csrf_header

BUDGET = 2_000


@pytest.fixture
async def public(
    database_url: str, tmp_path: Path, db: Database
) -> AsyncIterator[httpx.AsyncClient]:
    app: Starlette = create_app(
        load_settings(
            environ={},
            database_url=database_url,
            data_dir=str(tmp_path / "data"),
            origin=ORIGIN,
            session_secret="test-secret-" + "x" * 40,
            verify_max_bytes=BUDGET,
            verify_per_minute=100,
        ),
        db=db,
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ORIGIN) as client:
        client.cookies.set("ecab_lang", "en")
        yield client


async def _token(client: httpx.AsyncClient) -> str:
    return (await csrf_header(client))["X-CSRF-Token"]


async def test_a_file_over_its_budget_is_refused_where_it_crosses_it(
    public: httpx.AsyncClient,
) -> None:
    token = await _token(public)
    # Small enough for the whole form's limit, too large for the PDF's own.
    answer = await public.post(
        "/minutes/verify",
        data={"csrf_token": token},
        files={"pdf": ("a.pdf", b"%PDF-" + b"0" * BUDGET)},
    )
    assert answer.status_code == 413
    assert f"larger than the limit of {BUDGET} bytes" in answer.text
    keys = await public.post(
        "/minutes/verify",
        data={"csrf_token": token},
        files={"pdf": ("a.pdf", b"%PDF-1.7"), "keys": ("k.pdf", b"%PDF-" + b"1" * BUDGET)},
    )
    assert keys.status_code == 413


async def _chunks(token: str, size: int, counted: list[int]) -> AsyncIterator[bytes]:
    yield (
        f'--b0\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
        '--b0\r\nContent-Disposition: form-data; name="pdf"; filename="a.pdf"\r\n\r\n'
        "%PDF-"
    ).encode()
    for _ in range(size // 1000):
        counted.append(1000)
        yield b"0" * 1000


async def test_a_stream_without_a_length_stops_at_the_budget(public: httpx.AsyncClient) -> None:
    counted: list[int] = []
    answer = await public.post(
        "/minutes/verify",
        content=_chunks(await _token(public), 50 * BUDGET, counted),
        headers={"Content-Type": "multipart/form-data; boundary=b0"},
    )
    assert answer.status_code == 413
    assert f"larger than the limit of {BUDGET} bytes" in answer.text
    assert sum(counted) <= 2 * BUDGET  # read no further than the file's budget


async def test_the_token_comes_from_the_stream_or_the_header_and_fields_are_fixed(
    public: httpx.AsyncClient,
) -> None:
    pdf = {"pdf": ("a.pdf", b"not a pdf")}
    missing = await public.post("/minutes/verify", files=pdf)
    assert missing.status_code == 403
    token = await _token(public)
    assert (
        await public.post("/minutes/verify", data={"csrf_token": token}, files=pdf)
    ).status_code == 415
    assert (
        await public.post("/minutes/verify", files=pdf, headers={"X-CSRF-Token": token})
    ).status_code == 415
    extra = await public.post("/minutes/verify", data={"csrf_token": token, "more": "x"}, files=pdf)
    assert extra.status_code == 400 and "unexpected field" in extra.text
    empty = await public.post(
        "/minutes/verify", data={"csrf_token": token}, files={"keys": ("", b"")}
    )
    assert empty.status_code == 422 and "Choose the PDF file" in empty.text
    json = await public.post("/minutes/verify", json={"pdf": "x"}, headers={"X-CSRF-Token": token})
    assert json.status_code == 415
