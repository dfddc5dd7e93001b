"""What one seat sees of a meeting's live state, decided in one place for every channel
that shows it (the snapshot a tablet fetches, the websocket frames).

A member, a stand-in, an observer and the secretariat see the whole meeting
(``MeetingAccess.item_ids`` is None); a guest invited for some items sees those items and
their results only: no other item's title, no list of who attends, no vote on another
item, not even its running count. A display seat (a projector, actions/displays.py) sees
what the room sees on the screen: the agenda's titles without the conclusions, who is
present (not who is absent or has lost the connection), the open vote's count, results,
and the list of speakers.
"""

from __future__ import annotations

import json
from typing import Any

from ..realtime import frames

ItemIds = frozenset[int] | None


def live_state_for(state: dict[str, Any], items: ItemIds) -> dict[str, Any]:
    if items is None:
        return state
    poll = state.get("poll")
    scoped = {
        **state,
        "agenda": [item for item in state["agenda"] if item["id"] in items],
        "current_item": state["current_item"] if state["current_item"] in items else None,
        "poll": poll if poll is not None and poll.get("item") in items else None,
        "results": [result for result in state["results"] if result.get("item") in items],
        "speakers": state.get("speakers") if state["current_item"] in items else None,
        "recusals": state.get("recusals", []) if state["current_item"] in items else [],
    }
    if "attendance" in state:
        scoped["attendance"] = []
    return scoped


def display_state(state: dict[str, Any]) -> dict[str, Any]:
    shown = {key: value for key, value in state.items() if key != "me"}
    shown["agenda"] = [{key: value for key, value in item.items() if key != "conclusion"}
                       for item in state["agenda"]]
    # Who does not take part in the item, by name; the reason stays on the tablets and
    # in the minutes.
    shown["recusals"] = [{"seat": r["seat"], "name": r["name"]}
                         for r in state.get("recusals", [])]
    if "attendance" in state:
        shown["attendance"] = [
            {"seat": seat["seat"], "name": seat["name"], "present": True, "checked_in": True,
             "away": False, "mode": seat["mode"], "stand_in": seat["stand_in"]}
            for seat in state["attendance"] if seat["present"]]
    return shown


def frame_for_display(frame: str) -> str:
    message = json.loads(frame)
    if message.get("type") == "presence":
        # Its lines say who left or lost the connection, which a projector does not show:
        # the display fetches its own state (display_state) instead, at once.
        return frames.resync(200)
    if message.get("type") != "state":
        return frame
    message["state"] = display_state(message["state"])
    return frames.dump(message)


def frame_for(frame: str, items: ItemIds) -> str | None:
    """The websocket frame as this seat may receive it; None when it may not at all."""
    if items is None:
        return frame
    message = json.loads(frame)
    if message.get("type") == "tally":
        return None  # the running count of a vote the guest may not see
    if message.get("type") == "state":
        message["state"] = live_state_for(message["state"], items)
        return frames.dump(message)
    if message.get("type") == "presence":
        # The quorum's counts, as in the guest's state; not who, nor any vote's counts.
        return frames.dump({**message, "seats": [], "poll": None})
    return frame
