"""The rows of a list of speakers that other session steps touch too (leaving an item
ends its speech and lapses who still waits)."""

from __future__ import annotations

from sqlmodel import col, select

from ..db import Tx
from ..models import SpeakerRequest, utcnow
from ..vocab import SpeechState


async def rows_of(tx: Tx, item_id: int, *states: SpeechState) -> list[SpeakerRequest]:
    query = select(SpeakerRequest).where(SpeakerRequest.item_id == item_id)
    if states:
        query = query.where(col(SpeakerRequest.state).in_([s.value for s in states]))
    return list((await tx.session.exec(query.order_by(col(SpeakerRequest.id)))).all())


async def end_current(tx: Tx, item_id: int) -> SpeakerRequest | None:
    now = utcnow()
    ended = None
    for row in await rows_of(tx, item_id, SpeechState.SPEAKING):
        row.state, row.ended_at = SpeechState.SPOKE.value, now
        tx.session.add(row)
        ended = row
    return ended


async def lapse(tx: Tx, item_id: int) -> None:
    """The item is left (concluded, another taken, the session closed): the speech in
    progress ends and the requests still waiting lapse. The step that leaves the item
    refreshes the screens itself."""
    await end_current(tx, item_id)
    for row in await rows_of(tx, item_id, SpeechState.WAITING):
        row.state = SpeechState.LAPSED.value
        tx.session.add(row)
