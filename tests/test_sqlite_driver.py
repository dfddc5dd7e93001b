"""SQLite: statements in one trip to the connection's thread (ecabinet/sqlite_driver.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from ecabinet.db import Database


async def test_a_statement_answers_as_through_the_driver(db: Database) -> None:
    async with db.engine.begin() as connection:
        await connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)"))
        inserted = await connection.execute(text("INSERT INTO t (v) VALUES ('a')"))
        assert inserted.lastrowid == 1 and inserted.rowcount == 1
        await connection.execute(text("INSERT INTO t (v) VALUES (:v)"), [{"v": "b"}, {"v": "c"}])
        moved = await connection.execute(text("UPDATE t SET v = v || '!' WHERE id > 1"))
        assert moved.rowcount == 2
        returned = await connection.execute(
            text("UPDATE t SET v = 'z' WHERE id = 1 RETURNING id, v")
        )
        assert returned.all() == [(1, "z")]
        rows = await connection.execute(text("SELECT v FROM t ORDER BY id"))
        assert [r.v for r in rows] == ["z", "b!", "c!"]
        streamed = await connection.stream(text("SELECT id FROM t ORDER BY id"))
        assert [r.id async for r in streamed] == [1, 2, 3]
        with pytest.raises(IntegrityError):
            await connection.execute(text("INSERT INTO t (v) VALUES ('z')"))
