"""The event contract holds: every kind has an audience and a payload, every audience a
route in the hub, every notice a listener that shows it, and nothing builds an event
around the contract."""

from __future__ import annotations

import ast
import dataclasses
import json
from pathlib import Path

import pytest

from ecabinet.events import KINDS, Audience, Event, EventKind, MeetingChanged, Payload, PollMoved
from ecabinet.labels import NOTICES
from ecabinet.realtime.hub import ROUTES
from ecabinet.web.templating import STATIC_DIR, TEMPLATES_DIR, make_environment

PACKAGE = Path(__file__).resolve().parents[1] / "ecabinet"
# Where an Event may be built field by field: the contract itself, and the outbox that
# reads one back from a PostgreSQL notification.
BUILDS_EVENTS = {PACKAGE / "events.py", PACKAGE / "realtime" / "outbox.py"}


def test_every_kind_has_an_audience_and_a_payload_dataclass() -> None:
    assert set(KINDS) == set(EventKind)
    for kind, spec in KINDS.items():
        assert isinstance(spec.audience, Audience), kind
        assert issubclass(spec.payload, Payload) and dataclasses.is_dataclass(spec.payload)


def test_every_audience_of_a_kind_has_a_route() -> None:
    # A kind whose audience had no route would be dropped after commit: no silent drops.
    assert {spec.audience for spec in KINDS.values()} <= set(ROUTES)


def test_an_event_refuses_a_payload_that_is_not_its_kinds() -> None:
    with pytest.raises(TypeError, match=r"poll\.sent carries PollMoved, not MeetingChanged"):
        Event.of(EventKind.POLL_SENT, MeetingChanged(1))
    event = Event.of(EventKind.POLL_SENT, PollMoved(2, "sent"), body_id=1)
    assert event.data == {"poll_id": 2, "state": "sent"} and event.audience == Audience.BODY


def test_nothing_emits_an_event_around_the_contract() -> None:
    """Every event in the package is made by Event.of, so its payload is checked."""
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if path in BUILDS_EVENTS:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if not any(
            isinstance(node, ast.ImportFrom)
            and (node.module or "").endswith("events")
            and any(a.name == "Event" for a in node.names)
            for node in ast.walk(tree)
        ):
            continue  # another Event (an iCalendar one, say)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "Event"
            ):
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert offenders == []


def test_every_notice_has_a_text_the_notice_listener_shows() -> None:
    notices = {kind for kind, spec in KINDS.items() if ROUTES[spec.audience] is not None}
    assert set(NOTICES) == notices
    rendered = make_environment().get_template("_notices.html").render(locale="vi")
    words = json.loads(rendered.split('id="notice-words">')[1].split("</script>")[0])
    assert set(words["kinds"]) == {kind.value for kind in notices}
    listener = (STATIC_DIR / "js" / "notices.js").read_text(encoding="utf-8")
    assert 'addEventListener("ecabinet:event"' in listener
    base = (TEMPLATES_DIR / "base.html").read_text(encoding="utf-8")
    assert '"/static/js/notices.js"' in base and '"_notices.html"' in base


def test_the_matrix_page_listens_for_changed_positions() -> None:
    page = (TEMPLATES_DIR / "matrix.html").read_text(encoding="utf-8")
    assert '"/static/js/matrix.js"' in page
    script = (STATIC_DIR / "js" / "matrix.js").read_text(encoding="utf-8")
    assert f'"{EventKind.POSITION_CHANGED.value}"' in script
