"""Leak deterrence: every page of a classified copy carries the reader's name, the time
and a short code that the audit log resolves to the event that produced the copy.

PDFs get a text overlay (reportlab, merged with pypdf), so the stamp is real text that
survives printing and can be read back with pdftotext; rendered page images get the same
line drawn into the pixels.
"""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from pypdf import PageObject, PdfReader, PdfWriter
from reportlab.pdfgen.canvas import Canvas

from ..pdf.fonts import FONT_DIR, nfc, register_fonts

# Crockford's base32 without look-alikes: a code read aloud or off a photo is unambiguous.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 8


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def show_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def parse_code(text: str) -> str:
    """Accept the code as printed (with its dash), in any case."""
    return text.replace("-", "").replace(" ", "").upper()


@dataclass(frozen=True)
class Stamp:
    reader: str
    when: str
    code: str

    @property
    def line(self) -> str:
        return nfc(f"{self.reader} · {self.when} · {show_code(self.code)}")


def stamp_pdf(source: Path, target: Path, stamp: Stamp) -> None:
    """Write ``source`` to ``target`` with the stamp on every page (blocking)."""
    register_fonts()
    writer = PdfWriter(clone_from=source)
    overlays: dict[tuple[float, float, float, float], PageObject] = {}
    for page in writer.pages:
        if page.rotation:
            # Draw in the page's upright coordinates, whatever /Rotate it carries.
            page.transfer_rotation_to_content()
        box = page.mediabox
        key = (float(box.left), float(box.bottom), float(box.right), float(box.top))
        if key not in overlays:
            overlays[key] = _overlay(*key, stamp)
        page.merge_page(overlays[key])
    with target.open("wb") as handle:
        writer.write(handle)


def _overlay(left: float, bottom: float, right: float, top: float, stamp: Stamp) -> PageObject:
    width, height = right - left, top - bottom
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(right, top))
    size = max(6.0, min(9.0, width / 70))
    canvas.setFillColorRGB(0.55, 0.1, 0.1)
    canvas.setFont("Sans", size)
    canvas.drawCentredString(left + width / 2, bottom + size * 1.6, stamp.line)
    canvas.drawCentredString(left + width / 2, top - size * 2.2, stamp.line)
    canvas.saveState()
    canvas.setFillColorRGB(0.6, 0.6, 0.6, alpha=0.18)
    canvas.setFont("Sans-Bold", max(14.0, width / 22))
    canvas.translate(left + width / 2, bottom + height / 2)
    canvas.rotate(35)
    canvas.drawCentredString(0, 0, nfc(stamp.reader))
    canvas.restoreState()
    canvas.save()
    buffer.seek(0)
    return PdfReader(buffer).pages[0]


def stamp_image(image: Image.Image, stamp: Stamp) -> Image.Image:
    """The same line across the top and the bottom of a rendered page."""
    size = max(12, image.width // 70)
    font = ImageFont.truetype(str(FONT_DIR / "DejaVuSans.ttf"), size)
    draw = ImageDraw.Draw(image)
    text = stamp.line
    text_width = draw.textlength(text, font=font)
    x = max(4, int((image.width - text_width) / 2))
    for y in (size // 2, image.height - size * 2):
        draw.rectangle((x - 6, y - 3, x + text_width + 6, y + size + 5), fill=(255, 255, 255))
        draw.text((x, y), text, fill=(140, 26, 26), font=font)
    return image
