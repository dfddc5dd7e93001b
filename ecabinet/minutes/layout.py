"""Page layout shared by the minutes and the conclusion notice: A4 with the margins of
Decree 30/2020/NĐ-CP, a running header, "page x of y", the national heading, and the block
where the two signature fields will sit."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Table, TableStyle

from ..pdf.fonts import nfc, register_fonts

PAGE_WIDTH, PAGE_HEIGHT = A4
LEFT, RIGHT, TOP, BOTTOM = 30 * mm, 20 * mm, 22 * mm, 20 * mm
FRAME_WIDTH = PAGE_WIDTH - LEFT - RIGHT
SIGNATURE_BOX_HEIGHT = 22 * mm
SIGNATURE_BOX_WIDTH = 62 * mm

_STYLES: dict[str, ParagraphStyle] = {}


def styles() -> dict[str, ParagraphStyle]:
    if not _STYLES:
        register_fonts()
        base = ParagraphStyle("base", fontName="Serif", fontSize=11.5, leading=15.5)
        center = ParagraphStyle("center", base, alignment=TA_CENTER)
        _STYLES.update(
            base=base, center=center,
            body=ParagraphStyle("body", base, alignment=TA_JUSTIFY, spaceAfter=4),
            agency=ParagraphStyle("agency", center, fontName="Serif-Bold", fontSize=11.5),
            nation=ParagraphStyle("nation", center, fontName="Serif-Bold", fontSize=10.5,
                                  leading=14),
            motto=ParagraphStyle("motto", center, fontName="Serif-Bold", fontSize=11.5),
            date=ParagraphStyle("date", center, fontName="Serif-Italic", fontSize=11),
            title=ParagraphStyle("title", center, fontName="Serif-Bold", fontSize=14,
                                 leading=19, spaceBefore=7 * mm),
            subtitle=ParagraphStyle("subtitle", center, fontName="Serif-Bold", fontSize=12,
                                    leading=16, spaceAfter=5 * mm),
            section=ParagraphStyle("section", base, fontName="Serif-Bold", fontSize=12,
                                   spaceBefore=9, spaceAfter=4, keepWithNext=1),
            heading=ParagraphStyle("heading", base, fontName="Serif-Bold", spaceBefore=7,
                                   spaceAfter=3, keepWithNext=1),
            label=ParagraphStyle("label", base, fontName="Serif-Italic", spaceBefore=3,
                                 spaceAfter=2, keepWithNext=1),
            # Before a long table: kept with the next flowable, the whole table would move.
            caption=ParagraphStyle("caption", base, fontName="Serif-Italic", spaceBefore=3,
                                   spaceAfter=2),
            bullet=ParagraphStyle("bullet", base, alignment=TA_JUSTIFY, leftIndent=6 * mm,
                                  bulletIndent=1.5 * mm, spaceAfter=2),
            small=ParagraphStyle("small", base, fontName="Sans", fontSize=8.5, leading=11),
            mono=ParagraphStyle("mono", base, fontName="Sans", fontSize=8, leading=10.5),
            cell=ParagraphStyle("cell", base, fontName="Sans", fontSize=9, leading=11.5),
            sign=ParagraphStyle("sign", center, fontName="Serif-Bold", fontSize=11.5),
            signnote=ParagraphStyle("signnote", center, fontName="Serif-Italic", fontSize=10),
        )
    return _STYLES


def para(text: str, style: str = "body", *, markup: bool = False) -> Paragraph:
    """A paragraph of plain text (escaped) or of our own markup (``markup=True``)."""
    return Paragraph(nfc(text) if markup else escape(nfc(text)), styles()[style])


def paragraphs(text: str, style: str = "body") -> list[Paragraph]:
    """Text typed in the app: one paragraph per non-empty line."""
    return [para(line.strip(), style) for line in text.splitlines() if line.strip()]


def national_heading(agency: str, date_line: str, nation: str, motto: str) -> Table:
    left = [para(agency.upper(), "agency"), para("―――――", "center")]
    right = [para(nation, "nation"), para(motto, "motto"), para("―――――――――――", "center")]
    table = Table([[left, right], ["", para(date_line, "date")]],
                  colWidths=[FRAME_WIDTH * 0.4, FRAME_WIDTH * 0.6])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    return table


@dataclass(frozen=True)
class FieldPlacement:
    """Where an empty signature field goes: page (0-based) and box in PDF points."""

    name: str
    page: int
    box: tuple[int, int, int, int]


@dataclass(frozen=True)
class Signatory:
    field: str
    role_label: str  # "THƯ KÝ", "CHỦ TỌA"
    note: str  # "(ký số)"
    name: str


class SignatureBlock(Flowable):  # type: ignore[misc]
    """Two columns, each a role, an empty box for the signature field and a name. Where it
    lands is recorded so that the fields can be added over the boxes afterwards."""

    def __init__(self, signatories: Sequence[Signatory], placements: list[FieldPlacement]
                 ) -> None:
        super().__init__()
        self.signatories = list(signatories)
        self.placements = placements
        self.height = SIGNATURE_BOX_HEIGHT + 26 * mm
        self.width = FRAME_WIDTH

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        column = self.width / len(self.signatories)
        for index, signatory in enumerate(self.signatories):
            center = column * index + column / 2
            self._text(center, self.height - 5 * mm, signatory.role_label, "Serif-Bold", 11.5)
            self._text(center, self.height - 10 * mm, signatory.note, "Serif-Italic", 10)
            x0 = center - SIGNATURE_BOX_WIDTH / 2
            y0 = 11 * mm
            self.canv.setStrokeColor(colors.HexColor("#c8c8c8"))
            self.canv.setDash(2, 2)
            self.canv.rect(x0, y0, SIGNATURE_BOX_WIDTH, SIGNATURE_BOX_HEIGHT)
            self.canv.setDash()
            self._text(center, 4 * mm, signatory.name, "Serif-Bold", 11.5)
            absolute_x, absolute_y = self.canv.absolutePosition(x0, y0)
            self.placements.append(FieldPlacement(
                signatory.field, self.canv.getPageNumber() - 1,
                (round(absolute_x), round(absolute_y),
                 round(absolute_x + SIGNATURE_BOX_WIDTH),
                 round(absolute_y + SIGNATURE_BOX_HEIGHT))))

    def _text(self, x: float, y: float, text: str, font: str, size: float) -> None:
        self.canv.setFont(font, size)
        self.canv.setFillColor(colors.black)
        self.canv.drawCentredString(x, y, nfc(text))


def numbered_canvas(header: str, page_label: str) -> type[Canvas]:
    """A canvas that knows the page count when it finishes, for "page x of y"."""

    class NumberedCanvas(Canvas):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._decorate(total)
                super().showPage()
            super().save()

        def _decorate(self, total: int) -> None:
            number = self.getPageNumber()
            self.setFont("Sans", 8)
            self.setFillColor(colors.HexColor("#555555"))
            if number > 1:
                self.drawString(LEFT, PAGE_HEIGHT - 12 * mm, nfc(header))
                self.setStrokeColor(colors.HexColor("#bbbbbb"))
                self.line(LEFT, PAGE_HEIGHT - 13.5 * mm, PAGE_WIDTH - RIGHT,
                          PAGE_HEIGHT - 13.5 * mm)
            self.drawCentredString(PAGE_WIDTH / 2, 10 * mm,
                                   nfc(page_label % {"page": number, "pages": total}))

    return NumberedCanvas


def build(story: list[Flowable], *, title: str, author: str, subject: str, header: str,
          page_label: str, language: str) -> bytes:
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=LEFT, rightMargin=RIGHT, topMargin=TOP,
        bottomMargin=BOTTOM, title=nfc(title), author=nfc(author), subject=nfc(subject),
        creator="e-Cabinet", lang=language,
    )
    document.build(story, canvasmaker=numbered_canvas(header, page_label))
    return buffer.getvalue()
