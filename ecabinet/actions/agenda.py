"""The agenda: items in order, what each is about, and who is invited for it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlmodel import col, delete, func, select

from .. import audit
from ..auth.actor import Actor
from ..db import Tx
from ..errors import Conflict, NotFound, ValidationFailed
from ..events import EventKind
from ..models import (
    AgendaItem,
    Document,
    DocumentReading,
    DocumentVersion,
    ItemGuest,
    Meeting,
    Person,
)
from ..vocab import ItemKind
from .access import ensure_prepares, load_item, load_meeting
from .meeting_events import notify
from .meeting_states import Change, ensure_allows

ITEM_TITLE_LIMIT = 500
SHORT_LIMIT = 255


@dataclass(frozen=True)
class ItemText:
    title: str
    kind: ItemKind = ItemKind.DECISION
    presenter: str = ""
    summary: str = ""
    title_en: str = ""


ITEM_FIELDS = ("title", "kind", "presenter", "summary", "title_en")


def check_item(text: ItemText) -> ItemText:
    title = " ".join(text.title.split())
    if not title:
        raise ValidationFailed("An agenda item needs a title.")
    if len(title) > ITEM_TITLE_LIMIT or len(text.title_en) > ITEM_TITLE_LIMIT:
        raise ValidationFailed(
            "An item's title has at most %(limit)s characters.", limit=ITEM_TITLE_LIMIT
        )
    if len(text.presenter) > SHORT_LIMIT:
        raise ValidationFailed(
            "The presenting agency has at most %(limit)s characters.", limit=SHORT_LIMIT
        )
    return replace(
        text,
        title=title,
        title_en=" ".join(text.title_en.split()),
        presenter=text.presenter.strip(),
        summary=text.summary.strip(),
    )


async def items_of(tx: Tx, meeting_id: int | None) -> list[AgendaItem]:
    return list(
        (
            await tx.session.exec(
                select(AgendaItem)
                .where(AgendaItem.meeting_id == meeting_id)
                .order_by(col(AgendaItem.ordinal))
            )
        ).all()
    )


async def add_item(
    tx: Tx,
    *,
    actor_id: int | None,
    meeting: Meeting,
    title: str,
    kind: ItemKind,
    presenter: str = "",
    summary: str = "",
    title_en: str = "",
    summary_en: str = "",
) -> AgendaItem:
    ensure_allows(meeting, Change.ADD_ITEM)
    text = check_item(ItemText(title, kind, presenter, summary, title_en))
    last = (
        await tx.session.exec(
            select(func.max(AgendaItem.ordinal)).where(AgendaItem.meeting_id == meeting.id)
        )
    ).one()
    assert meeting.id is not None
    item = AgendaItem(
        meeting_id=meeting.id,
        ordinal=(last or 0) + 1,
        title=text.title,
        title_en=text.title_en,
        presenter=text.presenter,
        summary=text.summary,
        summary_en=summary_en.strip(),
        kind=text.kind.value,
    )
    tx.session.add(item)
    await tx.session.flush()
    await audit.record(
        tx.session,
        "agenda.item_added",
        actor_id=actor_id,
        body_id=meeting.body_id,
        subject=f"item:{item.id}",
        meeting_id=meeting.id,
        title=item.title,
    )
    await notify(tx, meeting, EventKind.AGENDA_CHANGED, {"item_id": item.id, "change": "added"})
    return item


async def add(tx: Tx, actor: Actor, meeting_id: int, text: ItemText) -> AgendaItem:
    meeting = await load_meeting(tx.session, meeting_id, lock=True)
    ensure_prepares(actor, meeting.body_id)
    return await add_item(
        tx,
        actor_id=actor.person_id,
        meeting=meeting,
        title=text.title,
        kind=text.kind,
        presenter=text.presenter,
        summary=text.summary,
        title_en=text.title_en,
    )


async def _editable(
    tx: Tx, actor: Actor, item_id: int, change: Change
) -> tuple[AgendaItem, Meeting]:
    item = await load_item(tx.session, item_id)
    meeting = await load_meeting(tx.session, item.meeting_id, lock=True)
    ensure_prepares(actor, meeting.body_id)
    ensure_allows(meeting, change)
    return item, meeting


async def edit(tx: Tx, actor: Actor, item_id: int, changes: dict[str, Any]) -> AgendaItem:
    item, meeting = await _editable(tx, actor, item_id, Change.EDIT_ITEM)
    before = ItemText(item.title, ItemKind(item.kind), item.presenter, item.summary, item.title_en)
    after = check_item(replace(before, **changes))
    changed = [name for name in ITEM_FIELDS if getattr(before, name) != getattr(after, name)]
    if not changed:
        return item
    item.title, item.title_en, item.presenter = after.title, after.title_en, after.presenter
    item.summary, item.kind = after.summary, after.kind.value
    tx.session.add(item)
    await audit.record(
        tx.session,
        "agenda.item_edited",
        actor_id=actor.person_id,
        body_id=meeting.body_id,
        subject=f"item:{item.id}",
        changed=changed,
        title=item.title,
    )
    await notify(tx, meeting, EventKind.AGENDA_CHANGED, {"item_id": item.id, "change": "edited"})
    return item


async def remove(tx: Tx, actor: Actor, item_id: int) -> None:
    """Only in a draft: the item, its guests and its documents (their bytes stay stored)."""
    item, meeting = await _editable(tx, actor, item_id, Change.REMOVE_ITEM)
    documents = list(
        (await tx.session.exec(select(Document.id).where(Document.item_id == item.id))).all()
    )
    for table, column in (
        (DocumentReading, DocumentReading.document_id),
        (DocumentVersion, DocumentVersion.document_id),
        (Document, Document.id),
    ):
        await tx.session.exec(delete(table).where(col(column).in_(documents)))
    await tx.session.exec(delete(ItemGuest).where(col(ItemGuest.item_id) == item.id))
    await tx.session.delete(item)
    await tx.session.flush()
    await _renumber(tx, [i for i in await items_of(tx, meeting.id) if i.id != item.id])
    await audit.record(
        tx.session,
        "agenda.item_removed",
        actor_id=actor.person_id,
        body_id=meeting.body_id,
        subject=f"item:{item_id}",
        meeting_id=meeting.id,
        title=item.title,
        documents=documents,
    )


async def _renumber(tx: Tx, items: list[AgendaItem]) -> None:
    for ordinal, item in enumerate(items, start=1):
        if item.ordinal != ordinal:
            item.ordinal = ordinal
            tx.session.add(item)
    await tx.session.flush()


async def reorder(
    tx: Tx, actor: Actor, meeting_id: int, item_ids: list[int], *, expected_order: list[int]
) -> list[AgendaItem]:
    """Put the items in the given order; the list must name every item exactly once.

    ``expected_order`` is the order the change was made from: when the agenda is no longer
    in it (another tablet saved first), the change is refused rather than put over theirs.
    """
    meeting = await load_meeting(tx.session, meeting_id, lock=True)
    ensure_prepares(actor, meeting.body_id)
    ensure_allows(meeting, Change.REORDER)
    items = {item.id or 0: item for item in await items_of(tx, meeting.id)}
    if list(items) != expected_order:
        raise Conflict(
            "The agenda was changed elsewhere (on another tablet) after you last saw it, "
            "so your order was not saved."
        )
    if sorted(item_ids) != sorted(items) or len(set(item_ids)) != len(item_ids):
        raise ValidationFailed("Send every item of this agenda exactly once, in the new order.")
    ordered = [items[item_id] for item_id in item_ids]
    if [item.ordinal for item in ordered] == list(range(1, len(ordered) + 1)):
        return ordered
    await _renumber(tx, ordered)
    await audit.record(
        tx.session,
        "agenda.reordered",
        actor_id=actor.person_id,
        body_id=meeting.body_id,
        subject=f"meeting:{meeting.id}",
        order=item_ids,
    )
    await notify(tx, meeting, EventKind.AGENDA_CHANGED, {"change": "reordered", "order": item_ids})
    return ordered


async def invite(
    tx: Tx, actor: Actor, item_id: int, *, name: str, affiliation: str = "", email: str = ""
) -> ItemGuest:
    """A non-voting guest for one item. With the e-mail of a person who has an account,
    that person sees this item (and only it) on their tablet."""
    item, meeting = await _editable(tx, actor, item_id, Change.EDIT_GUESTS)
    person = None
    if email.strip():
        person = (
            await tx.session.exec(select(Person).where(Person.email == email.strip()))
        ).first()
        if person is None:
            raise ValidationFailed(
                "No one with the e-mail %(email)s has an account. Leave the "
                "e-mail empty to record the guest by name only.",
                email=email.strip(),
            )
    name = " ".join(name.split()) or (person.full_name if person else "")
    if not name or len(name) > 200 or len(affiliation) > SHORT_LIMIT:
        raise ValidationFailed("A guest needs a name of at most 200 characters.")
    assert item.id is not None
    guest = ItemGuest(
        item_id=item.id,
        person_id=None if person is None else person.id,
        name=name,
        affiliation=affiliation.strip(),
    )
    tx.session.add(guest)
    await tx.session.flush()
    await audit.record(
        tx.session,
        "agenda.guest_invited",
        actor_id=actor.person_id,
        body_id=meeting.body_id,
        subject=f"item:{item.id}",
        name=guest.name,
        person_id=guest.person_id,
    )
    await notify(tx, meeting, EventKind.AGENDA_CHANGED, {"item_id": item.id, "change": "guests"})
    return guest


async def uninvite(tx: Tx, actor: Actor, guest_id: int) -> None:
    guest = await tx.session.get(ItemGuest, guest_id)
    if guest is None:
        raise NotFound("There is no guest number %(id)s.", id=guest_id)
    item, meeting = await _editable(tx, actor, guest.item_id, Change.EDIT_GUESTS)
    await tx.session.delete(guest)
    await audit.record(
        tx.session,
        "agenda.guest_removed",
        actor_id=actor.person_id,
        body_id=meeting.body_id,
        subject=f"item:{item.id}",
        name=guest.name,
        person_id=guest.person_id,
    )
    await notify(tx, meeting, EventKind.AGENDA_CHANGED, {"item_id": item.id, "change": "guests"})
