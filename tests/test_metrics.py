"""The operators' counters: in Prometheus' text format, counting refusals, rate limits,
live connections and worker queues, and readable only on the server itself or with the
token, never through the proxy."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from ecabinet.app import create_app
from ecabinet.db import Database
from ecabinet.settings import Settings, load_settings

from .support.database import ORIGIN
from .support.factories import csrf_header

TOKEN = "scrape-" + "t" * 32


@pytest.fixture
def metered(database_url: str, tmp_path: Path, db: Database) -> Starlette:
    settings: Settings = load_settings(
        environ={},
        database_url=database_url,
        data_dir=str(tmp_path / "data"),
        origin=ORIGIN,
        session_secret="test-secret-" + "x" * 40,
        metrics_token=TOKEN,
        verify_per_minute=1,
    )
    return create_app(settings, db=db)


async def _client(app: Starlette, host: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=(host, 40000)), base_url=ORIGIN
    )


@pytest.fixture
async def local(metered: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with await _client(metered, "127.0.0.1") as client:
        yield client


def _value(text: str, line_start: str) -> int:
    found = [line for line in text.splitlines() if line.startswith(line_start + " ")]
    assert found, (line_start, text)
    return int(found[0].rsplit(" ", 1)[1])


async def test_counts_refusals_and_rate_limits_by_kind(local: httpx.AsyncClient) -> None:
    before = await local.get("/metrics")
    assert before.status_code == 200
    assert before.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert "ecabinet_refusals_total{" not in before.text
    assert (await local.get("/api/meetings/1")).status_code == 401
    pdf = {"pdf": ("x.pdf", b"not a pdf", "application/pdf")}
    headers = await csrf_header(local)
    assert (await local.post("/minutes/verify", files=pdf, headers=headers)).status_code == 415
    assert (await local.post("/minutes/verify", files=pdf, headers=headers)).status_code == 429
    text = (await local.get("/metrics")).text
    assert _value(text, 'ecabinet_refusals_total{kind="unauthenticated",status="401"}') == 1
    assert _value(text, 'ecabinet_refusals_total{kind="unsupported-type",status="415"}') == 1
    assert _value(text, 'ecabinet_rate_limited_total{kind="rate-limited"}') == 1
    assert _value(text, "ecabinet_ws_connections") == 0
    assert _value(text, 'ecabinet_worker_queue_depth{pool="render"}') == 0
    assert _value(text, 'ecabinet_worker_size{pool="verify"}') == 1


async def test_only_the_server_itself_or_the_token_holder_reads_them(
    metered: Starlette, local: httpx.AsyncClient
) -> None:
    # Through the proxy the peer may be the loopback, but the request says it was relayed.
    relayed = await local.get("/metrics", headers={"X-Forwarded-For": "203.0.113.5"})
    assert relayed.status_code == 404 and "ecabinet_" not in relayed.text
    async with await _client(metered, "203.0.113.5") as remote:
        assert (await remote.get("/metrics")).status_code == 404
        wrong = await remote.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 404
        right = await remote.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert right.status_code == 200 and "ecabinet_ws_connections 0" in right.text
