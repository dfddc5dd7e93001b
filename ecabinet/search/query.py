"""Searching: the words folded as the index is, matched by SQLite FTS5 or PostgreSQL's
full-text search, and filtered IN THE QUERY by what ``seat_view.decide`` lets each of the
reader's seats see: a body the reader sits in (or the items they are a guest for), a
classification at or below that seat's clearance (read live from the document), a meeting
the seat may see (drafts for the secretariat only) and no classified document recalled
after its meeting. Nothing the reader may not see is ever fetched, so no title,
text or snippet of it can leak."""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement, TextClause
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..actions.seat_view import SeatFacts, decide, seat_facts
from ..auth.actor import Actor
from ..models import AgendaItem, Document, DocumentVersion, ItemGuest, Meeting, SearchEntry
from ..textfold import fold, fold_query
from ..vocab import Classification, MeetingState

MAX_WORDS = 8
LIMIT = 50
SNIPPET = 90
# An entry without a document (a conclusion) is internal to the body.
NO_DOCUMENT_LEVEL = int(Classification.INTERNAL)


@dataclass(frozen=True)
class Hit:
    kind: str
    entry: SearchEntry
    meeting: Meeting
    item: AgendaItem
    document: Document | None
    version_number: int | None
    latest: bool
    snippet: str


def words_of(query: str) -> list[str]:
    return re.findall(r"\w+", fold_query(query))[:MAX_WORDS]


def visible_to(actor: Actor, invited: frozenset[int] = frozenset()) -> ColumnElement[bool] | None:
    """The entries the actor may see, as a condition on the joined rows; None: nothing.

    Each seat's rule is ``seat_view.decide`` asked for every state a meeting can be in, so
    search shows what the packet shows; ``invited`` are the items the actor is a guest for
    in bodies where they have no seat."""
    level = sa.func.coalesce(col(Document.classification), NO_DOCUMENT_LEVEL)
    recalled = sa.and_(
        col(Meeting.state) == MeetingState.CLOSED.value, level >= int(Classification.MAT)
    )
    shown: list[ColumnElement[bool]] = []
    for body_id, seat in actor.memberships.items():
        facts = seat_facts(seat)
        if facts.role is None:
            continue
        shown.extend(
            sa.and_(col(SearchEntry.body_id) == body_id, condition)
            for condition in _by_state(facts, level, recalled)
        )
    if invited:
        guest = SeatFacts(None, guest_items=invited)
        shown.extend(
            sa.and_(col(SearchEntry.item_id).in_(sorted(invited)), condition)
            for condition in _by_state(guest, level, recalled)
        )
    return sa.or_(*shown) if shown else None


def _by_state(
    facts: SeatFacts, level: ColumnElement[int], recalled: ColumnElement[bool]
) -> list[ColumnElement[bool]]:
    conditions = []
    for state in MeetingState:
        view = decide(facts, state.value)
        if not view.sees_meeting:
            continue
        condition = sa.and_(col(Meeting.state) == state.value, level <= view.clearance)
        if not view.prepares:
            condition = sa.and_(condition, sa.not_(recalled))
        if view.item_ids is not None:
            condition = sa.and_(condition, col(SearchEntry.item_id).in_(sorted(view.item_ids)))
        conditions.append(condition)
    return conditions


def _matches(dialect: str, words: list[str]) -> ColumnElement[bool] | TextClause:
    if dialect == "postgresql":
        terms = " & ".join([*words[:-1], f"{words[-1]}:*"])
        # search_fts_vector: to_tsvector('simple', folded), stored and GIN-indexed
        # (migration reader_04), so a common word does not re-parse every entry.
        return sa.text(
            "search_entry.search_fts_vector @@ to_tsquery('simple', unaccent(:terms))"
        ).bindparams(terms=terms)
    terms = " ".join([*(f'"{word}"' for word in words[:-1]), f'"{words[-1]}"*'])
    fts = sa.table("search_fts")
    found: sa.Select[tuple[int]] = (
        sa.select(sa.literal_column("rowid"))
        .select_from(fts)
        .where(sa.literal_column("search_fts").op("MATCH")(terms))
    )
    return col(SearchEntry.id).in_(found)


async def search(db: AsyncSession, actor: Actor, query: str, *, limit: int = LIMIT) -> list[Hit]:
    words = words_of(query)
    allowed = visible_to(actor, await invited_items(db, actor))
    if not words or allowed is None:
        return []
    dialect = (await db.connection()).dialect.name
    rows = (
        await db.exec(
            select(SearchEntry, Meeting, AgendaItem, Document)
            .join(Meeting, col(Meeting.id) == SearchEntry.meeting_id)
            .join(AgendaItem, col(AgendaItem.id) == SearchEntry.item_id)
            .outerjoin(Document, col(Document.id) == SearchEntry.document_id)
            .where(allowed, _matches(dialect, words))
            .order_by(
                col(Meeting.starts_at).desc(),
                col(AgendaItem.ordinal),
                col(SearchEntry.kind).desc(),
                col(SearchEntry.version_id).desc(),
                col(SearchEntry.page),
            )
            .limit(limit)
        )
    ).all()
    numbers, latest = await _numbers(db, [row[0].version_id for row in rows])
    hits = []
    for entry, meeting, item, document in rows:
        number = numbers.get(entry.version_id or 0)
        is_latest = document is None or number == latest.get(document.id or 0)
        hits.append(
            Hit(
                entry.kind,
                entry,
                meeting,
                item,
                document,
                number,
                is_latest,
                snippet(entry.text, words),
            )
        )
    return hits


async def _numbers(
    db: AsyncSession, version_ids: list[int | None]
) -> tuple[dict[int, int], dict[int, int]]:
    """The number of each version, and the latest number of each of their documents."""
    if not version_ids:
        return {}, {}
    versions = (
        await db.exec(select(DocumentVersion).where(col(DocumentVersion.id).in_(version_ids)))
    ).all()
    numbers = {version.id or 0: version.number for version in versions}
    rows = await db.exec(
        select(DocumentVersion.document_id, sa.func.max(DocumentVersion.number))
        .where(col(DocumentVersion.document_id).in_({v.document_id for v in versions}))
        .group_by(col(DocumentVersion.document_id))
    )
    return numbers, {document_id: number for document_id, number in rows.all()}


def snippet(text: str, words: list[str]) -> str:
    """The passage around the first word found, from the original text (folding keeps
    offsets, so the place found in the folded text is the place in the original)."""
    flat = " ".join(text.split())
    folded = fold(flat)
    # The whole phrase where it appears, else the longest word (the least common, often).
    at = folded.find(" ".join(words))
    if at < 0:
        at = max(0, folded.find(max(words, key=len)))
    start, end = max(0, at - SNIPPET // 3), min(len(flat), at + SNIPPET)
    return ("…" if start else "") + flat[start:end] + ("…" if end < len(flat) else "")


async def invited_items(db: AsyncSession, actor: Actor) -> frozenset[int]:
    """Items the actor is a guest for, in bodies where they have no seat."""
    if actor.person_id is None:
        return frozenset()
    rows = await db.exec(
        select(ItemGuest.item_id, AgendaItem.meeting_id, Meeting.body_id)
        .join(AgendaItem, col(AgendaItem.id) == ItemGuest.item_id)
        .join(Meeting, col(Meeting.id) == AgendaItem.meeting_id)
        .where(ItemGuest.person_id == actor.person_id)
    )
    return frozenset(item for item, _meeting, body in rows.all() if body not in actor.memberships)
