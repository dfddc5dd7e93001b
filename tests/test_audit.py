"""The audit log is a hash chain: any altered, removed or reordered row is found and named.
The database itself refuses to alter or remove a row; the tamper tests first drop that
guard, as the owner of the database (the one who could tamper) can."""

from __future__ import annotations

import pytest
from sqlalchemy import exc, text
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col, select

from ecabinet import audit
from ecabinet.db import Database
from ecabinet.models import AuditEvent, AuditHead

GUARDS = {
    "sqlite": ["DROP TRIGGER audit_event_no_update", "DROP TRIGGER audit_event_no_delete"],
    "postgresql": ["DROP TRIGGER audit_event_append_only ON audit_event"],
}


async def _tamper(db: Database, statement: str) -> None:
    async with db.engine.begin() as connection:
        await _drop_guards(connection)
        await connection.execute(text(statement))


async def _drop_guards(connection: AsyncConnection) -> None:
    for guard in GUARDS[connection.dialect.name]:
        await connection.execute(text(guard))


async def _record_three(db: Database) -> None:
    async with db.transaction() as tx:
        await audit.record(
            tx.session, "body.created", actor_id=None, body_id=1, subject="body:1", name="Chính phủ"
        )
        await audit.record(
            tx.session, "membership.added", actor_id=7, body_id=1, subject="person:2", role="member"
        )
    async with db.transaction() as tx:
        await audit.record(
            tx.session, "meeting.published", actor_id=7, body_id=1, subject="meeting:1", items=8
        )


async def test_an_untouched_chain_verifies(db: Database) -> None:
    await _record_three(db)
    async with db.read() as session:
        report = await audit.verify_chain(session)
        head = await audit.head_hash(session)
    assert report.ok and report.checked == 3
    assert report.head == head


async def test_each_event_links_to_the_one_before(db: Database) -> None:
    await _record_three(db)
    async with db.read() as session:
        rows = (await session.exec(select(AuditEvent).order_by(col(AuditEvent.seq)))).all()
    assert [r.seq for r in rows] == [1, 2, 3]
    assert rows[0].prev_hash == audit.GENESIS
    assert rows[1].prev_hash == rows[0].hash and rows[2].prev_hash == rows[1].hash


async def test_an_altered_row_is_named(db: Database) -> None:
    await _record_three(db)
    await _tamper(db, "UPDATE audit_event SET subject = 'person:3' WHERE seq = 2")
    async with db.read() as session:
        report = await audit.verify_chain(session)
    assert not report.ok
    assert report.broken_seq == 2
    assert "membership.added" in report.problem and "altered" in report.problem


async def test_a_removed_row_is_found(db: Database) -> None:
    await _record_three(db)
    await _tamper(db, "DELETE FROM audit_event WHERE seq = 2")
    async with db.read() as session:
        report = await audit.verify_chain(session)
    assert report.broken_seq == 2 and "missing" in report.problem


async def test_removing_the_last_rows_is_found(db: Database) -> None:
    await _record_three(db)
    await _tamper(db, "DELETE FROM audit_event WHERE seq = 3")
    async with db.read() as session:
        report = await audit.verify_chain(session)
    assert not report.ok and "removed from the end" in report.problem


async def test_an_event_rolls_back_with_its_change(db: Database) -> None:
    try:
        async with db.transaction() as tx:
            await audit.record(tx.session, "vote.cast", actor_id=1)
            raise RuntimeError("the change failed")
    except RuntimeError:
        pass
    async with db.read() as session:
        assert (await session.exec(select(AuditEvent))).all() == []
        assert (await audit.verify_chain(session)).ok


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_event SET subject = 'person:3' WHERE seq = 2",
        "DELETE FROM audit_event WHERE seq = 3",
    ],
)
async def test_the_database_refuses_to_alter_or_remove_an_audit_row(
    db: Database, statement: str
) -> None:
    await _record_three(db)
    with pytest.raises(exc.DBAPIError, match="audit_event is append-only"):
        async with db.engine.begin() as connection:
            await connection.execute(text(statement))
    async with db.read() as session:
        assert (await audit.verify_chain(session)).checked == 3


async def test_the_head_is_there_before_the_first_event(db: Database) -> None:
    async with db.read() as session:
        head = (await session.exec(select(AuditHead))).one()
    assert (head.id, head.seq, head.hash) == (1, 0, audit.GENESIS)
