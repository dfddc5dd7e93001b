"""The face of the signature appearance: the page's Liberation Serif, embedded by pyHanko.

pyHanko writes a CID font's glyph widths (``/W``) in the font's own units, but PDF reads
them in thousandths of an em: a face drawn on 2048 units (Liberation, DejaVu) comes out
with every letter spaced twice too wide. The face is therefore rescaled to 1000 units per
em in memory, once, before pyHanko sees it (nothing is written to disk or shipped). It is
first cut down to the characters a Vietnamese or English appearance can use, which makes
the rescaling (and pyHanko's own subsetting at each signature) quick.
"""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass
from typing import Any

from fontTools import subset
from fontTools.ttLib import TTFont
from fontTools.ttLib.scaleUpem import scale_upem
from pyhanko.pdf_utils.font.api import FontEngineFactory
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator

from .fonts import FONT_DIR, FONT_FILES

PDF_UNITS_PER_EM = 1000
# Latin, Latin-1, Latin Extended-A, Ơ ơ Ư ư, combining accents, the Vietnamese block, and
# general punctuation.
CHARACTERS = [
    *range(0x20, 0x7F),
    *range(0xA0, 0x180),
    0x1A0,
    0x1A1,
    0x1AF,
    0x1B0,
    *range(0x300, 0x324),
    *range(0x1EA0, 0x1EFA),
    *range(0x2010, 0x2028),
]
_lock = threading.Lock()
_scaled: dict[str, bytes] = {}


def scaled_font(file_name: str) -> bytes:
    with _lock:
        if file_name not in _scaled:
            font = TTFont(str(FONT_DIR / file_name))
            options = subset.Options(layout_features=["*"], name_IDs=["*"], notdef_outline=True)
            subsetter = subset.Subsetter(options)
            subsetter.populate(unicodes=CHARACTERS)
            subsetter.subset(font)
            if font["head"].unitsPerEm != PDF_UNITS_PER_EM:
                scale_upem(font, PDF_UNITS_PER_EM)
            out = io.BytesIO()
            font.save(out)
            _scaled[file_name] = out.getvalue()
        return _scaled[file_name]


@dataclass(frozen=True)
class StampFont(FontEngineFactory):
    face: str = "Serif"
    font_size: int = 9

    def create_font_engine(self, writer: Any, obj_stream: Any = None) -> GlyphAccumulator:
        if obj_stream is None and writer.stream_xrefs:
            obj_stream = writer.prepare_object_stream()
        return GlyphAccumulator(
            writer=writer,
            font_handle=io.BytesIO(scaled_font(FONT_FILES[self.face])),
            font_size=self.font_size,
            obj_stream=obj_stream,
            bcp47_lang_code="vi",
        )
