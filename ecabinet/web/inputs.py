"""Reading values out of forms, paths and raw JSON, each failure a refusal that names the
field (a JSON API body is read by its model: web/bodies.py).

Times without an offset are read in the server's time zone (ECABINET_TIME_ZONE), which is
how a secretariat types them; times are shown back in the same zone.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, TypeGuard
from zoneinfo import ZoneInfo

from starlette.requests import Request

from ..errors import BadRequest, PayloadTooLarge, ValidationFailed
from ..labels import classification_from_code
from ..vocab import Classification


async def small_json(request: Request, limit: int) -> dict[str, Any]:
    """The JSON body, refused past ``limit`` bytes: some JSON routes share a path prefix
    with uploads, whose larger body limit must not apply to them."""
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > limit:
            raise PayloadTooLarge(
                "The request is larger than the limit of %(limit)s bytes.", limit=limit
            )
    try:
        body = json.loads(bytes(raw) or b"{}")
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest("The request body is not valid JSON.") from exc
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object.")
    return body


def text(body: dict[str, Any], name: str, default: str = "") -> str:
    value = body.get(name, default)
    if value is None:
        return default
    if not isinstance(value, str):
        raise ValidationFailed("The field %(field)s must be text.", field=name)
    return value


def when(
    body: dict[str, Any], name: str, zone: ZoneInfo, *, required: bool = False
) -> datetime | None:
    raw = text(body, name).strip()
    if not raw:
        if required:
            raise ValidationFailed("The field %(field)s is required.", field=name)
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValidationFailed(
            "The field %(field)s is not a date and time; write it like 2030-06-30T08:30.",
            field=name,
        ) from exc
    return (value.replace(tzinfo=zone) if value.tzinfo is None else value).astimezone(UTC)


def level(raw: str, name: str = "classification") -> Classification:
    found = classification_from_code(raw or "public")
    if found is None:
        raise ValidationFailed(
            "The field %(field)s must be one of: %(choices)s.",
            field=name,
            choices=", ".join(c.name.lower() for c in Classification),
        )
    return found


# Row ids and page numbers are INTEGER columns: 32 bits on PostgreSQL. A larger number
# would reach the driver and fail there (out of range, OverflowError), so it is refused
# here; no row has such an id.
MAX_ID = 2**31 - 1


def is_id(value: object) -> TypeGuard[int]:
    """A JSON value usable as an id: a whole number from 1 to MAX_ID (not a boolean)."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


def parse_id(raw: str | None) -> int | None:
    """An id written in a path or query (ASCII digits only), or None."""
    if raw is None or not raw.isascii() or not raw.isdigit() or len(raw) > 10:
        return None
    value = int(raw)
    return value if 1 <= value <= MAX_ID else None


def positive_int(raw: str | None) -> int | None:
    return parse_id(raw)
