"""Casting a ballot, as one action: the ballot recorded (actions/ballots.py), then a
written poll decided as soon as no remaining answer can change it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..auth import passkeys
from ..auth.actor import Actor
from ..db import Tx
from ..models import Ballot
from ..settings import Settings
from . import ballots, poll_results, resent


@dataclass(frozen=True)
class Cast:
    ballot: Ballot
    resent: bool  # the same signed ballot came again: recorded before, not counted twice


async def cast(
    tx: Tx,
    settings: Settings,
    actor: Actor,
    *,
    poll_id: int,
    payload: dict[str, Any],
    credential: dict[str, Any],
) -> Cast:
    # The ballot's challenge first: a ballot sent again finds it used, and only then is
    # the ballot it recorded looked for (one statement less on every first sending).
    signed = passkeys.challenge_of(credential)
    challenge = await passkeys.take_challenge(tx, signed, purpose=ballots.PURPOSE)
    if challenge is None:
        earlier = await resent.already_recorded(
            tx, actor, poll_id=poll_id, payload=payload, credential=credential
        )
        if earlier is not None:
            return Cast(earlier, resent=True)
        await passkeys.refuse_challenge(tx, signed, purpose=ballots.PURPOSE)
    ballot, poll = await ballots.cast_ballot(
        tx,
        settings,
        actor,
        poll_id=poll_id,
        payload=payload,
        credential=credential,
        challenge=challenge,
    )
    # Only a written poll can settle: a live vote's ballot does not read its poll again.
    if poll_results.decidable(poll):
        await poll_results.settle_if_decided(tx, ballot.poll_id)
    return Cast(ballot, resent=False)
