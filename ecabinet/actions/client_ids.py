"""The id a tablet gives to what it writes while offline (a mark, a comment), so that
sending it again after a lost answer finds the first one instead of storing a second."""

from __future__ import annotations

import re

from ..errors import ValidationFailed

CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def check_client_id(value: object) -> str | None:
    """None when absent; otherwise 8 to 64 letters, digits, "-" or "_" (a UUID fits)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or CLIENT_ID.match(value) is None:
        raise ValidationFailed('A client id is 8 to 64 letters, digits, "-" or "_".')
    return value
