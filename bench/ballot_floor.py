"""The floor for bench_ballots.py: the least a server can do for a verified, stored ballot.

The same two requests as e-Cabinet's (options, then cast), on the same database:
- options: build the payload, its challenge (SHA-256 of its canonical JSON), one INSERT
  of the challenge, commit;
- cast: one DELETE … RETURNING of the challenge (single use, and it works across
  processes), one SELECT of the credential's public key, one py_webauthn verification,
  one INSERT of the ballot, commit; then the tally is broadcast to the websockets of
  bench/bare_server.py.
No session, no permission, no audit, no ORM. SQLite through one aiosqlite connection
per process (SQLite writers are serial anyway), PostgreSQL through an asyncpg pool.
``BENCH_FLOOR_DB`` is a SQLAlchemy-style URL: sqlite+aiosqlite:///path or
postgresql+asyncpg://user@host:port/db.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import secrets
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from webauthn import verify_authentication_response
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url

from bench import bare_server

SCHEMA = [
    "CREATE TABLE IF NOT EXISTS floor_credential (credential_id TEXT PRIMARY KEY, "
    "public_key_cose BYTEA NOT NULL)",
    "CREATE TABLE IF NOT EXISTS floor_challenge (challenge TEXT PRIMARY KEY, payload TEXT "
    "NOT NULL)",
    "CREATE TABLE IF NOT EXISTS floor_ballot (id SERIAL PRIMARY KEY, poll INTEGER NOT NULL, "
    "voter INTEGER NOT NULL, choice TEXT NOT NULL, payload TEXT NOT NULL, "
    "authenticator_data TEXT NOT NULL, client_data_json TEXT NOT NULL, signature TEXT NOT "
    "NULL, UNIQUE (poll, voter))",
]


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


class Store:
    """Three statements' worth of database, SQLite or PostgreSQL."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.sqlite = url.startswith("sqlite")
        self.pool: Any = None
        self.connection: Any = None
        self.lock = asyncio.Lock()

    async def open(self) -> None:
        if self.sqlite:
            import aiosqlite

            self.connection = await aiosqlite.connect(
                self.url.split("///", 1)[1], isolation_level=None
            )
            for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=30000"):
                await self.connection.execute(f"PRAGMA {pragma}")
        else:
            import asyncpg

            self.pool = await asyncpg.create_pool(
                self.url.replace("+asyncpg", ""), min_size=2, max_size=10
            )

    async def close(self) -> None:
        if self.connection is not None:
            await self.connection.close()
        if self.pool is not None:
            await self.pool.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Any]:
        if self.sqlite:
            async with self.lock:
                await self.connection.execute("BEGIN IMMEDIATE")
                try:
                    yield self.connection
                    await self.connection.execute("COMMIT")
                except BaseException:
                    await self.connection.execute("ROLLBACK")
                    raise
        else:
            async with self.pool.acquire() as connection, connection.transaction():
                yield connection

    async def run(self, connection: Any, sql: str, *args: Any) -> list[Sequence[Any]]:
        if self.sqlite:
            sql = sql.replace("$1", "?").replace("$2", "?").replace("$3", "?")
            for n in range(4, 9):
                sql = sql.replace(f"${n}", "?")
            cursor = await connection.execute(sql, args)
            rows = list(await cursor.fetchall())
            await cursor.close()
            return rows
        return list(await connection.fetch(sql, *args))


store = Store(os.environ.get("BENCH_FLOOR_DB", "sqlite+aiosqlite:///floor.db"))
ORIGIN = os.environ.get("ECABINET_ORIGIN", "http://localhost:8000")
RP_ID = "localhost"
cast_count = 0


async def options(request: Request) -> JSONResponse:
    body = await request.json()
    payload = {
        "v": 1,
        "origin": ORIGIN,
        "poll": int(request.path_params["poll"]),
        "voter": int(body["voter"]),
        "choice": str(body["choice"]),
        "nonce": secrets.token_urlsafe(16),
    }
    challenge = bytes_to_base64url(hashlib.sha256(canonical(payload)).digest())
    async with store.transaction() as connection:
        await store.run(
            connection,
            "INSERT INTO floor_challenge (challenge, payload) VALUES ($1, $2)",
            challenge,
            canonical(payload).decode(),
        )
    return JSONResponse(
        {
            "payload": payload,
            "publicKey": {
                "challenge": challenge,
                "rpId": RP_ID,
                "allowCredentials": [],
                "userVerification": "required",
            },
        }
    )


async def cast(request: Request) -> JSONResponse:
    global cast_count
    body = await request.json()
    credential = body["credential"]
    client_data = json.loads(base64url_to_bytes(credential["response"]["clientDataJSON"]))
    async with store.transaction() as connection:
        taken = await store.run(
            connection,
            "DELETE FROM floor_challenge WHERE challenge = $1 RETURNING payload",
            client_data["challenge"],
        )
        if not taken or json.loads(taken[0][0]) != body["payload"]:
            return JSONResponse({"error": "unknown challenge"}, status_code=403)
        keys = await store.run(
            connection,
            "SELECT public_key_cose FROM floor_credential WHERE credential_id = $1",
            credential["id"],
        )
        if not keys:
            return JSONResponse({"error": "unknown credential"}, status_code=403)
        verify_authentication_response(
            credential=credential,
            expected_challenge=base64url_to_bytes(client_data["challenge"]),
            expected_rp_id=RP_ID,
            expected_origin=ORIGIN,
            credential_public_key=bytes(keys[0][0]),
            credential_current_sign_count=0,
            require_user_verification=True,
        )
        payload = body["payload"]
        answer = credential["response"]
        await store.run(
            connection,
            "INSERT INTO floor_ballot (poll, voter, choice, payload, "
            "authenticator_data, client_data_json, signature) VALUES ($1, $2, $3, "
            "$4, $5, $6, $7)",
            payload["poll"],
            payload["voter"],
            payload["choice"],
            taken[0][0],
            answer["authenticatorData"],
            answer["clientDataJSON"],
            answer["signature"],
        )
    cast_count += 1
    frame = json.dumps({"type": "tally", "seq": cast_count, "cast": cast_count})
    asyncio.get_running_loop().create_task(bare_server.broadcast(frame))
    return JSONResponse(
        {"receipt": hashlib.sha256(canonical(payload)).hexdigest()}, status_code=201
    )


async def reset(request: Request) -> JSONResponse:
    global cast_count
    cast_count = 0
    return JSONResponse({"cast": 0})


async def register(request: Request) -> JSONResponse:
    """The bench hands over the voters' public keys (COSE) once, before the runs."""
    keys = await request.json()
    async with store.transaction() as connection:
        for credential_id, cose in keys.items():
            await store.run(
                connection, "DELETE FROM floor_credential WHERE credential_id = $1", credential_id
            )
            await store.run(
                connection,
                "INSERT INTO floor_credential (credential_id, public_key_cose) VALUES ($1, $2)",
                credential_id,
                bytes.fromhex(cose),
            )
    return JSONResponse({"registered": len(keys)})


async def ready(request: Request) -> JSONResponse:
    return JSONResponse({"ok": True})


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    await store.open()
    schema = (
        SCHEMA
        if not store.sqlite
        else [s.replace("BYTEA", "BLOB").replace("SERIAL", "INTEGER") for s in SCHEMA]
    )
    if store.sqlite:
        for statement in schema:
            await store.connection.execute(statement)
    else:
        # Several worker processes start at once: one creates, the others wait.
        async with store.pool.acquire() as connection, connection.transaction():
            await connection.execute("SELECT pg_advisory_xact_lock(8675309)")
            for statement in schema:
                await connection.execute(statement)
    try:
        yield
    finally:
        await store.close()


app = Starlette(
    routes=[
        Route("/api/polls/{poll}/ballots/options", options, methods=["POST"]),
        Route("/api/polls/{poll}/ballots", cast, methods=["POST"]),
        Route("/reset", reset, methods=["POST"]),
        Route("/register", register, methods=["POST"]),
        Route("/readyz", ready),
        WebSocketRoute("/ws", bare_server.live),
    ],
    lifespan=lifespan,
)
