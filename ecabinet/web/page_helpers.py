"""What the meeting pages share: times in the server's zone, and the vocabularies' labels."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request

from .. import labels
from .common import settings_of


class Times:
    """Times as the secretariat and the members read and type them."""

    def __init__(self, zone: str) -> None:
        self.zone = ZoneInfo(zone)

    def show(self, value: datetime | None) -> str:
        return "" if value is None else f"{value.astimezone(self.zone):%d/%m/%Y %H:%M}"

    def day(self, value: datetime | None) -> str:
        return "" if value is None else f"{value.astimezone(self.zone):%d/%m/%Y}"

    def field(self, value: datetime | None) -> str:
        """The value of an <input type="datetime-local">."""
        return "" if value is None else f"{value.astimezone(self.zone):%Y-%m-%dT%H:%M}"


def page_tools(request: Request) -> dict[str, Any]:
    return {
        "times": Times(settings_of(request).time_zone),
        "labels": labels,
        "size_text": size_text,
    }


def size_text(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / 1024 / 1024:.1f} MB"
