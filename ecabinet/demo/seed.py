"""``ecabinet demo``: a fresh demo database holding a realistic Government.

It never destroys a database that is not a demo: the first audit event of a demo database
is ``demo.created``, and anything else is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from .. import audit
from ..actions.agenda import add_item
from ..actions.bodies import add_member, create_body
from ..actions.documents import add_version, create_document
from ..actions.enrollment import issue_enrollment
from ..actions.meetings import create_meeting, publish_meeting
from ..db import Database, Tx
from ..documents.checks import PdfLimits, check_upload
from ..documents.storage import store_for
from ..documents.uploads import staged_bytes
from ..errors import ConfigurationError
from ..migrate import upgrade
from ..models import AuditEvent, Body, Membership, metadata
from ..settings import Settings
from ..vocab import Classification, ItemKind, MeetingForm, MeetingKind, Role
from . import government as gov
from .drafts import render_draft_pdf

DEMO_MARK = "demo.created"
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
PLACE = "Phòng họp Chính phủ, Trụ sở Chính phủ, số 1 Hoàng Hoa Thám, Ba Đình, Hà Nội"


@dataclass(frozen=True)
class SeatLink:
    label: str
    enroll_url: str
    role: str = ""  # printed beside the link, so the right device enrolls the right seat


async def prepare_demo(settings: Settings) -> list[SeatLink]:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.database_url)
    try:
        await _clear_previous_demo(db, settings)
        await upgrade(db.engine)
        async with db.transaction() as tx:
            return await seed_government(tx, settings)
    finally:
        await db.dispose()


async def _clear_previous_demo(db: Database, settings: Settings) -> None:
    async with db.engine.connect() as connection:
        tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
        if not tables:
            return
        first = None
        if "audit_event" in tables:
            first = (
                await connection.execute(text("SELECT kind FROM audit_event ORDER BY seq LIMIT 1"))
            ).scalar()
            # A schema made by `ecabinet db upgrade` and never used holds nothing to lose.
            if first is None and not await _holds_rows(connection, tables):
                return
    if first != DEMO_MARK:
        raise ConfigurationError(
            f"{settings.database_url} holds data that is not an e-Cabinet demo; the demo "
            "will not overwrite it. Point ECABINET_DATA_DIR or ECABINET_DATABASE_URL "
            "elsewhere."
        )
    if db.is_sqlite:
        await db.dispose()
        _remove_sqlite_files(settings.database_url)
        return
    async with db.engine.begin() as connection:
        await connection.run_sync(_drop_everything)


async def _holds_rows(connection: AsyncConnection, tables: set[str]) -> bool:
    # Only the application's own tables: the migrations fill the audit head, Alembic's
    # table and the search index's internal tables themselves.
    for table in sorted((tables & set(metadata.tables)) - {"audit_head"}):
        found = await connection.execute(text(f'SELECT 1 FROM "{table}" LIMIT 1'))  # noqa: S608
        if found.first() is not None:
            return True
    return False


def _remove_sqlite_files(url: str) -> None:
    database_file = url.split("///", 1)[1]
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database_file}{suffix}").unlink(missing_ok=True)


def _drop_everything(connection: Connection) -> None:
    metadata.drop_all(connection)
    connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


def _session_start(now: datetime) -> datetime:
    """08:30 Hanoi time, a week from now, on a weekday."""
    day = (now.astimezone(HANOI) + timedelta(days=7)).date()
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, time(8, 30), tzinfo=HANOI).astimezone(UTC)


def session_titles(now: datetime | None = None) -> tuple[str, str]:
    """The demo session's titles (Vietnamese, English): named for the month it is held in."""
    starts = _session_start(now or datetime.now(UTC))
    return gov.meeting_titles(starts.astimezone(HANOI).month)


async def seed_government(tx: Tx, settings: Settings) -> list[SeatLink]:
    await audit.record(
        tx.session, DEMO_MARK, subject="demo", note="Demo data; not a real Government."
    )
    body = await create_body(
        tx,
        actor_id=None,
        slug="chinh-phu",
        name=gov.BODY.name,
        name_en=gov.BODY.name_en,
        short_name=gov.BODY.short_name,
    )
    seats = await _seat_everyone(tx, body)
    secretary = next(s for s, p in seats if p.role == "secretariat")
    await _prepare_session(tx, settings, body, secretary.person_id)
    links = []
    for seat, person in seats:
        url = await issue_enrollment(tx, settings, actor_id=None, person_id=seat.person_id)
        links.append(
            SeatLink(f"{person.full_name} ({person.title_vi})", url, role=str(person.role))
        )
    return links


async def _seat_everyone(tx: Tx, body: Body) -> list[tuple[Membership, gov.Person]]:
    people = [*gov.MEMBERS, *gov.SECRETARIAT, *gov.OBSERVERS]
    seats = []
    for order, person in enumerate(people, start=1):
        seat = await add_member(
            tx,
            actor_id=None,
            body=body,
            full_name=person.full_name,
            role=Role(person.role),
            title=person.title_vi,
            title_en=person.title_en,
            email=person.email,
            clearance=Classification(min(person.clearance, body.max_classification)),
            seat_order=order,
        )
        seats.append((seat, person))
    return seats


async def _prepare_session(tx: Tx, settings: Settings, body: Body, secretary_id: int) -> None:
    starts = _session_start(datetime.now(UTC))
    title_vi, title_en = gov.meeting_titles(starts.astimezone(HANOI).month)
    meeting = await create_meeting(
        tx,
        actor_id=secretary_id,
        body=body,
        title=title_vi,
        starts_at=starts,
        kind=MeetingKind.REGULAR,
        form=MeetingForm.MIXED,
        place=PLACE,
        opinion_deadline=starts - timedelta(days=2),
        title_en=title_en,
        summary=gov.MEETING_SUMMARY_VI,
        summary_en=gov.MEETING_SUMMARY_EN,
    )
    store = store_for(settings.database_url, settings.data_dir)
    for agenda_item in gov.AGENDA:
        item = await add_item(
            tx,
            actor_id=secretary_id,
            meeting=meeting,
            title=agenda_item.title_vi,
            title_en=agenda_item.title_en,
            kind=ItemKind(agenda_item.kind),
            presenter=agenda_item.presenter,
            summary=agenda_item.summary_vi,
            summary_en=agenda_item.summary_en,
        )
        for doc in agenda_item.documents:
            level = Classification[doc.classification.upper()]
            document = await create_document(
                tx,
                actor_id=secretary_id,
                body=body,
                item=item,
                title=doc.title_vi,
                classification=level,
                basis=doc.classification_basis,
                title_en=doc.title_en,
            )
            pdf = render_draft_pdf(agenda_item.title_vi, doc, issuing_agency=agenda_item.presenter)
            # The demo's drafts go through the same checks and store as any upload.
            with staged_bytes(pdf, f"du-thao-{document.id}.pdf", settings.upload_dir) as staged:
                await add_version(
                    tx,
                    store,
                    actor_id=secretary_id,
                    document=document,
                    checked=check_upload(staged, PdfLimits.of(settings)),
                    change_note="Bản trình phiên họp",
                )
            if doc.revision:
                revised = render_draft_pdf(
                    agenda_item.title_vi,
                    replace(doc, body=doc.revision),
                    issuing_agency=agenda_item.presenter,
                )
                with staged_bytes(
                    revised, f"du-thao-{document.id}-2.pdf", settings.upload_dir
                ) as staged:
                    await add_version(
                        tx,
                        store,
                        actor_id=secretary_id,
                        document=document,
                        checked=check_upload(staged, PdfLimits.of(settings)),
                        change_note=doc.revision_note,
                    )
    await publish_meeting(tx, actor_id=secretary_id, meeting=meeting)


__all__ = ["AuditEvent", "SeatLink", "prepare_demo", "seed_government", "session_titles"]
