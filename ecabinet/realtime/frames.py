"""The messages on /ws, serialised once and sent as the same text to every recipient.

Every message has a ``type``. Messages about a meeting also have ``meeting``, ``seq`` (the
highest meeting sequence number they account for) and ``prev``. A tablet keeps the last
``seq`` it applied; it ignores a message whose ``seq`` is not newer, and fetches a fresh
snapshot when ``prev`` is newer than what it has (it missed something).

- ``state``: the whole live state of the meeting (``prev`` is 0: it needs nothing before);
  ``attendance`` (the member list) is left out when presence did not change: keep the one
  you have.
- ``tally``: the running ballot count of the open vote (``cast``), coalesced: one message
  may stand for many ballots.
- ``presence``: who is present changed and nothing else: ``seats`` are the member-list
  lines that changed (replace yours with the same ``seat``), with the new ``quorum`` and
  the open vote's ``present`` and ``cast`` (``poll``, or null). Like a tally, it needs
  ``prev``: fetch a snapshot when yours is older.
- ``event``: a change a tablet may want to show (a published packet, a new document
  version), sent only to the people entitled to it.
- ``resync``: fetch a snapshot (the server dropped this tablet's backlog, or lost events
  from the database); ``within`` (ms), when present, asks the tablet to pick a random
  moment within that time, so that a whole room does not ask at the same instant.
- ``ping``: the heartbeat; answer ``{"type": "pong"}``.
- ``hello``, ``watching``, ``error``: replies to the tablet's own messages.
"""

from __future__ import annotations

import json
from typing import Any

from ..events import Event
from .outbox import seq_of


def dump(message: dict[str, Any]) -> str:
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False, default=str)


PING = dump({"type": "ping"})
RESYNC = dump({"type": "resync"})


def state(meeting_id: int, snapshot: dict[str, Any]) -> str:
    return dump(
        {
            "type": "state",
            "meeting": meeting_id,
            "seq": snapshot["seq"],
            "prev": 0,
            "state": snapshot,
        }
    )


def tally(meeting_id: int, event: Event, prev: int) -> str:
    data = event.data
    return dump(
        {
            "type": "tally",
            "meeting": meeting_id,
            "seq": seq_of(event),
            "prev": prev,
            "poll": data.get("poll_id"),
            "question": data.get("question_id"),
            "cast": data.get("cast"),
        }
    )


def resync(within_ms: int) -> str:
    return dump({"type": "resync", "within": within_ms})


def presence(meeting_id: int, seq: int, prev: int, delta: dict[str, Any]) -> str:
    return dump({"type": "presence", "meeting": meeting_id, "seq": seq, "prev": prev, **delta})


def notice(event: Event) -> str:
    data = {k: v for k, v in event.data.items() if k != "seq"}
    return dump(
        {
            "type": "event",
            "kind": event.kind,
            "meeting": event.meeting_id,
            "seq": seq_of(event) or None,
            "data": data,
        }
    )


def error(detail: str) -> str:
    return dump({"type": "error", "detail": detail})
