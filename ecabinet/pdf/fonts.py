"""Fonts with Vietnamese coverage for reportlab, and the text normalisation they need.

reportlab's built-in fonts have no Vietnamese glyphs, so every PDF the server makes goes
through the faces shipped in ``ecabinet/fonts``: Liberation Serif, metrically compatible
with Times New Roman (the face Decree 30/2020/NĐ-CP expects of an administrative document),
and DejaVu Sans for the few sans-serif reports. Every face is embedded (subset) in the PDF,
as PDF/A requires.
"""

from __future__ import annotations

import threading
import unicodedata
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"

# Registered name -> file in FONT_DIR.
FONT_FILES: dict[str, str] = {
    "Sans": "DejaVuSans.ttf",
    "Sans-Bold": "DejaVuSans-Bold.ttf",
    "Serif": "LiberationSerif-Regular.ttf",
    "Serif-Bold": "LiberationSerif-Bold.ttf",
    "Serif-Italic": "LiberationSerif-Italic.ttf",
    "Serif-BoldItalic": "LiberationSerif-BoldItalic.ttf",
}

_lock = threading.Lock()
_registered = False


def register_fonts() -> None:
    """Register "Sans", "Sans-Bold", "Serif", "Serif-Bold", "Serif-Italic" and
    "Serif-BoldItalic".

    Safe to call any number of times, from any thread. The families are mapped too, so
    ``<b>`` and ``<i>`` work inside a Paragraph whose font is "Sans" or "Serif".
    """
    global _registered
    if _registered:
        return
    with _lock:
        if _registered:
            return
        already = set(pdfmetrics.getRegisteredFontNames())
        for name, filename in FONT_FILES.items():
            if name not in already:
                pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / filename)))
        # No italic Sans is shipped: fall back to the nearest face rather than to
        # Helvetica, which would drop every Vietnamese diacritic.
        _map_family("Sans", "Sans", "Sans-Bold", "Sans", "Sans-Bold")
        _map_family("Serif", "Serif", "Serif-Bold", "Serif-Italic", "Serif-BoldItalic")
        _registered = True


def _map_family(family: str, normal: str, bold: str, italic: str, bold_italic: str) -> None:
    # Like pdfmetrics.registerFontFamily, but the fallback faces are mapped first: each
    # mapping also records the reverse face -> (family, bold, italic), last one winning,
    # and "Sans" must read back as upright, not as the italic it stands in for.
    addMapping(family, 1, 1, bold_italic)
    addMapping(family, 0, 1, italic)
    addMapping(family, 1, 0, bold)
    addMapping(family, 0, 0, normal)


def nfc(text: str) -> str:
    """Return ``text`` in Unicode NFC.

    Decomposed input (a base letter followed by combining marks, as macOS and some
    keyboards produce) renders with misplaced diacritics in reportlab.
    """
    return unicodedata.normalize("NFC", text)
