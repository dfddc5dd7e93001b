"""Casting a ballot, as one action: the ballot recorded (actions/ballots.py), then a
written poll decided as soon as no remaining answer can change it."""

from __future__ import annotations

from typing import Any

from ..auth.actor import Actor
from ..db import Tx
from ..models import Ballot
from ..settings import Settings
from . import ballots, poll_results


async def cast(tx: Tx, settings: Settings, actor: Actor, *, poll_id: int,
               payload: dict[str, Any], credential: dict[str, Any]) -> Ballot:
    ballot = await ballots.cast_ballot(tx, settings, actor, poll_id=poll_id, payload=payload,
                                       credential=credential)
    await poll_results.settle_if_decided(tx, ballot.poll_id)
    return ballot
