"""A ballot sent again because its answer was lost.

A tablet whose answer never came (the connection dropped, a proxy answered 502, the
server process died after the commit) does not know whether its ballot counted. It sends
the same signed ballot again. Its passkey answer was used up by the first attempt, so
without this the second attempt was refused as "already used" and the member was told
their counted ballot had failed. Here the exact ballot already recorded is found and its
receipt given back: nothing is written or counted a second time.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from sqlmodel import select

from ..auth.actor import Actor
from ..db import Tx
from ..errors import Conflict
from ..models import Ballot, PasskeyCredential
from .ballots import receipt_of


class BallotReplaced(Conflict):
    title = "This ballot was replaced"
    kind = "ballot-replaced"


def _signature(credential: dict[str, Any]) -> bytes | None:
    response = credential.get("response")
    text = response.get("signature") if isinstance(response, dict) else None
    if not isinstance(text, str):
        return None
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None


async def already_recorded(
    tx: Tx, actor: Actor, *, poll_id: int, payload: dict[str, Any], credential: dict[str, Any]
) -> Ballot | None:
    """The ballot that this very signed ballot recorded earlier, if any.

    Only for the person whose passkey signed it, and only when the signature is the one
    stored: anyone else replaying a ballot goes down the ordinary path and is refused."""
    signature = _signature(credential)
    if signature is None:
        return None
    found = (
        await tx.session.exec(
            select(Ballot, PasskeyCredential.person_id)
            .join(PasskeyCredential, PasskeyCredential.id == Ballot.credential_id)  # type: ignore[arg-type]
            .where(Ballot.poll_id == poll_id, Ballot.receipt == receipt_of(payload))
        )
    ).first()
    if found is None:
        return None
    ballot, signer = found
    if signer != actor.person_id or ballot.signature != signature:
        return None
    if ballot.superseded_by_id is not None:
        raise BallotReplaced(
            "This ballot was recorded, then replaced by the later ballot you "
            "cast; the later one is the one that counts."
        )
    return ballot
