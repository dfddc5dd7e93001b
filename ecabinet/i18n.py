"""Translations: Vietnamese by default, English selectable.

The msgids are English. Catalogs are kept as .po files in the package and compiled in
memory at start-up, so no generated binary file is committed or forgotten.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALES = ("vi", "en")
LOCALE_DIR = Path(__file__).parent / "locale"


@cache
def translations(locale: str) -> NullTranslations:
    po_path = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not po_path.exists():
        return NullTranslations()
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


def gettext_for(locale: str) -> Callable[..., str]:
    catalog = translations(locale)

    def gettext(message: str, **params: Any) -> str:
        text = catalog.gettext(message)
        return text % params if params else text

    return gettext


def content_for(locale: str) -> Callable[[object, str], str]:
    """``content(obj, "title")``: the English field (``title_en``) on English pages where the
    secretariat gave one, else the Vietnamese original."""

    def content(obj: object, name: str) -> str:
        original: str = getattr(obj, name)
        if locale == "en":
            english: str = getattr(obj, f"{name}_en", "") or ""
            return english or original
        return original

    return content


def pick_locale(cookie: str | None, default: str) -> str:
    """The visitor's explicit choice, else the server's default (Vietnamese).

    The browser's Accept-Language is deliberately not consulted: a ministry's tablets are
    often set up in English, and the working language of the body is Vietnamese.
    """
    return cookie if cookie in LOCALES else default


def N_(message: str) -> str:
    """Marks an English msgid for extraction where it is translated later, at rendering."""
    return message
