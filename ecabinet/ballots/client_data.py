"""The one strict reading of a WebAuthn clientDataJSON, shared by the server and the
offline verifier.

py_webauthn is lenient where the evidence must not be: it reads UTF-16 and BOM-prefixed
JSON, skips junk characters in a base64url challenge and ignores ``crossOrigin: true``.
A passkey answer the offline verifier would later reject must be refused when it is
made, or one member could make signed minutes fail verification. So the server runs
:func:`check_client_data` at sign-in, check-in, ballot and approval time, before
py_webauthn, and ecabinet/ballots/evidence.py runs the same function years later.
Standard library only, like the verifier.
"""

from __future__ import annotations

import base64
import binascii
import json
import string
from typing import Any

_BASE64URL_ALPHABET = frozenset(string.ascii_letters + string.digits + "-_")
_BOM = b"\xef\xbb\xbf"


class ClientDataError(ValueError):
    """The clientDataJSON is not in the strict form; the message names the step."""


def b64url_decode_strict(text: str) -> bytes:
    # Strict alphabet: a standard-base64 "+" or "/", or any junk character, is a malformed
    # value, not a variant.
    unpadded = text.rstrip("=")
    if not set(unpadded) <= _BASE64URL_ALPHABET:
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(unpadded + "=" * (-len(unpadded) % 4))


def parse_client_data(client_data_json: bytes) -> dict[str, Any]:
    if client_data_json.startswith(_BOM):
        raise ClientDataError(
            "clientDataJSON starts with a byte order mark; it must be plain UTF-8 JSON"
        )
    try:
        client_data = json.loads(client_data_json.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ClientDataError(f"clientDataJSON is not valid UTF-8 JSON: {exc}") from exc
    if not isinstance(client_data, dict):
        raise ClientDataError("clientDataJSON is not a JSON object")
    for member in ("type", "challenge", "origin"):
        if not isinstance(client_data.get(member), str):
            raise ClientDataError(f"clientDataJSON has no string member {member!r}")
    return client_data


def signed_challenge(client_data: dict[str, Any]) -> bytes:
    try:
        return b64url_decode_strict(client_data["challenge"])
    except (ValueError, binascii.Error) as exc:
        raise ClientDataError("clientDataJSON challenge is not base64url") from exc


def check_client_data(
    client_data_json: bytes,
    *,
    expected_type: str,
    expected_challenge: bytes,
    expected_origin: str,
    mismatch: str = "challenge mismatch: the passkey signed another challenge than the one "
    "expected",
) -> dict[str, Any]:
    """Raise :class:`ClientDataError` unless the client data is strict UTF-8 JSON of the
    expected type, over exactly the expected challenge, from the expected origin and not
    from inside a foreign frame; return it parsed."""
    client_data = parse_client_data(client_data_json)
    if client_data["type"] != expected_type:
        raise ClientDataError(
            f"clientDataJSON type is {client_data['type']!r}; expected {expected_type!r}"
        )
    if signed_challenge(client_data) != expected_challenge:
        raise ClientDataError(mismatch)
    if client_data["origin"] != expected_origin:
        raise ClientDataError(
            f"origin mismatch: clientDataJSON origin is {client_data['origin']!r}, "
            f"expected {expected_origin!r}"
        )
    # A vote made inside another site's frame is not a vote made on ours.
    if client_data.get("crossOrigin") is True:
        raise ClientDataError("clientDataJSON crossOrigin is true: signed inside a foreign frame")
    return client_data
