"""Every user-visible string has its Vietnamese translation."""

from __future__ import annotations

from ecabinet.i18n import gettext_for, translations
from ecabinet.i18n_extract import all_messages, load_catalog


def test_every_message_is_translated_to_vietnamese() -> None:
    catalog = load_catalog("vi")
    missing = [m for m in all_messages() if not getattr(catalog.get(m), "string", None)]
    assert missing == [], "run `python -m ecabinet.i18n_extract` and translate these"


def test_placeholders_survive_translation() -> None:
    catalog = load_catalog("vi")
    for message in catalog:
        # An empty translation falls back to the English; the test above catches it.
        if message.id and message.string and isinstance(message.id, str) and "%(" in message.id:
            assert set(_slots(message.id)) == set(_slots(str(message.string))), message.id


def test_gettext_formats_in_the_chosen_language() -> None:
    vi = gettext_for("vi")
    en = gettext_for("en")
    message = "The request is larger than the limit of %(limit)s bytes."
    assert vi(message, limit=10) == "Yêu cầu vượt quá giới hạn 10 byte."
    assert en(message, limit=10) == "The request is larger than the limit of 10 bytes."
    assert translations("vi") is translations("vi")


def _slots(text: str) -> list[str]:
    import re

    return re.findall(r"%\((\w+)\)s", text)
