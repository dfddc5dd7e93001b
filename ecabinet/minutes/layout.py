"""Page layout shared by the minutes and the conclusion notice, after Decree 30/2020/NĐ-CP
(Appendix I): A4 with its margins, Times-compatible serif at 13 pt, the national heading
with the document number under the agency and the place and date under the motto, page
numbers at the top centre from the second page, the block where the signature fields will
sit, and the "Nơi nhận" (recipients) block."""

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
from reportlab.platypus import (
    Flowable,
    HRFlowable,
    Paragraph,
    SimpleDocTemplate,
    Table,
    TableStyle,
)

from ..pdf.fonts import nfc, register_fonts

PAGE_WIDTH, PAGE_HEIGHT = A4
LEFT, RIGHT, TOP, BOTTOM = 30 * mm, 20 * mm, 20 * mm, 20 * mm
FRAME_WIDTH = PAGE_WIDTH - LEFT - RIGHT
SIGNATURE_BOX_HEIGHT = 22 * mm
SIGNATURE_BOX_WIDTH = 62 * mm
BODY_SIZE = 13  # Decree 30: the body text is 13 to 14 pt
TABLE_SIZE = 11

_STYLES: dict[str, ParagraphStyle] = {}


def styles() -> dict[str, ParagraphStyle]:
    if not _STYLES:
        register_fonts()
        base = ParagraphStyle("base", fontName="Serif", fontSize=BODY_SIZE, leading=17)
        center = ParagraphStyle("center", base, alignment=TA_CENTER)
        _STYLES.update(
            base=base,
            center=center,
            body=ParagraphStyle(
                "body", base, alignment=TA_JUSTIFY, spaceAfter=4, firstLineIndent=10 * mm
            ),
            plain=ParagraphStyle("plain", base, alignment=TA_JUSTIFY, spaceAfter=3),
            parent=ParagraphStyle("parent", center, fontSize=12.5, leading=16),
            agency=ParagraphStyle(
                "agency", center, fontName="Serif-Bold", fontSize=12.5, leading=16
            ),
            number=ParagraphStyle("number", center, spaceBefore=2),
            nation=ParagraphStyle(
                "nation", center, fontName="Serif-Bold", fontSize=12.5, leading=16
            ),
            motto=ParagraphStyle("motto", center, fontName="Serif-Bold", fontSize=BODY_SIZE),
            date=ParagraphStyle("date", center, fontName="Serif-Italic", spaceBefore=2),
            title=ParagraphStyle(
                "title", center, fontName="Serif-Bold", fontSize=14, leading=19, spaceBefore=7 * mm
            ),
            subtitle=ParagraphStyle("subtitle", center, fontName="Serif-Bold", spaceAfter=5 * mm),
            section=ParagraphStyle(
                "section", base, fontName="Serif-Bold", spaceBefore=9, spaceAfter=4, keepWithNext=1
            ),
            heading=ParagraphStyle(
                "heading", base, fontName="Serif-Bold", spaceBefore=7, spaceAfter=3, keepWithNext=1
            ),
            label=ParagraphStyle(
                "label", base, fontName="Serif-Italic", spaceBefore=3, spaceAfter=2, keepWithNext=1
            ),
            bullet=ParagraphStyle(
                "bullet",
                base,
                alignment=TA_JUSTIFY,
                leftIndent=6 * mm,
                bulletIndent=1.5 * mm,
                spaceAfter=2,
            ),
            small=ParagraphStyle("small", base, fontSize=10.5, leading=13.5),
            mono=ParagraphStyle("mono", base, fontSize=10.5, leading=13.5),
            cell=ParagraphStyle("cell", base, fontSize=TABLE_SIZE, leading=13.5),
            recipients=ParagraphStyle(
                "recipients",
                base,
                fontName="Serif-BoldItalic",
                fontSize=12,
                leading=15,
                spaceBefore=6 * mm,
                keepWithNext=1,
            ),
            recipient=ParagraphStyle("recipient", base, fontSize=11, leading=13.5),
        )
    return _STYLES


def para(text: str, style: str = "body", *, markup: bool = False) -> Paragraph:
    """A paragraph of plain text (escaped) or of our own markup (``markup=True``)."""
    return Paragraph(nfc(text) if markup else escape(nfc(text)), styles()[style])


def paragraphs(text: str, style: str = "body") -> list[Paragraph]:
    """Text typed in the app: one paragraph per non-empty line."""
    return [para(line.strip(), style) for line in text.splitlines() if line.strip()]


@dataclass(frozen=True)
class Heading:
    """The top of an administrative document (Decree 30, Appendix I, items 1 to 4)."""

    agency: str  # the issuing agency, printed in capitals
    number: str  # "Số: 09/BB-CP"
    place_date: str  # "Hà Nội, ngày 29 tháng 11 năm 2026"
    nation: str
    motto: str
    parent: str = ""  # the governing agency above the issuing one, if any


def national_heading(heading: Heading) -> Table:
    """Two columns: the agency and, under its rule, the document number; the nation and
    motto and, under the motto's rule, the place and date."""
    left: list[Flowable] = []
    if heading.parent:
        left.append(para(heading.parent.upper(), "parent"))
    left += [
        para(heading.agency.upper(), "agency"),
        HRFlowable(
            width=26 * mm,
            thickness=0.6,
            color=colors.black,
            spaceBefore=1,
            spaceAfter=3,
            hAlign="CENTER",
        ),
    ]
    right: list[Flowable] = [
        para(heading.nation, "nation"),
        para(heading.motto, "motto"),
        HRFlowable(
            width=55 * mm,
            thickness=0.6,
            color=colors.black,
            spaceBefore=1,
            spaceAfter=3,
            hAlign="CENTER",
        ),
    ]
    table = Table(
        [[left, right], [para(heading.number, "number"), para(heading.place_date, "date")]],
        colWidths=[FRAME_WIDTH * 0.4, FRAME_WIDTH * 0.6],
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("FONT", (0, 0), (-1, -1), "Serif", BODY_SIZE),
                ("ALIGN", (0, 0), (-1, -1), "CENTER"),  # the rules
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def recipients(label: str, lines: Sequence[str]) -> list[Flowable]:
    """The "Nơi nhận:" block: each recipient on a line of its own after a dash, the last
    one (the archive) ending with a full stop, the others with a semicolon."""
    out: list[Flowable] = [para(label, "recipients")]
    for index, line in enumerate(lines):
        end = "." if index == len(lines) - 1 else ";"
        out.append(para(f"- {line.rstrip('.;')}{end}", "recipient"))
    return out


@dataclass(frozen=True)
class FieldPlacement:
    """Where an empty signature field goes: page (0-based) and box in PDF points."""

    name: str
    page: int
    box: tuple[int, int, int, int]


@dataclass(frozen=True)
class Signatory:
    field: str
    role_label: str  # "THƯ KÝ", "CHỦ TỌA"; lines separated by "\n" ("TL. THỦ TƯỚNG\n…")
    note: str  # "(ký số)"
    name: str


class SignatureBlock(Flowable):  # type: ignore[misc]
    """Two columns, each a role, an empty box for the signature field and a name. Where it
    lands is recorded so that the fields can be added over the boxes afterwards."""

    def __init__(self, signatories: Sequence[Signatory], placements: list[FieldPlacement]) -> None:
        super().__init__()
        self.signatories = list(signatories)
        self.placements = placements
        lines = max(len(s.role_label.split("\n")) for s in self.signatories)
        self.role_height = 6 * mm * lines
        self.height = SIGNATURE_BOX_HEIGHT + 22 * mm + self.role_height
        self.width = FRAME_WIDTH

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        column = self.width / len(self.signatories)
        for index, signatory in enumerate(self.signatories):
            center = column * index + column / 2
            top = self.height - 5 * mm
            for line in signatory.role_label.split("\n"):
                self._text(center, top, line, "Serif-Bold", BODY_SIZE)
                top -= 6 * mm
            self._text(center, top, signatory.note, "Serif-Italic", BODY_SIZE)
            x0 = center - SIGNATURE_BOX_WIDTH / 2
            y0 = 11 * mm
            self.canv.setStrokeColor(colors.HexColor("#c8c8c8"))
            self.canv.setDash(2, 2)
            self.canv.rect(x0, y0, SIGNATURE_BOX_WIDTH, SIGNATURE_BOX_HEIGHT)
            self.canv.setDash()
            self._text(center, 4 * mm, signatory.name, "Serif-Bold", BODY_SIZE)
            absolute_x, absolute_y = self.canv.absolutePosition(x0, y0)
            self.placements.append(
                FieldPlacement(
                    signatory.field,
                    self.canv.getPageNumber() - 1,
                    (
                        round(absolute_x),
                        round(absolute_y),
                        round(absolute_x + SIGNATURE_BOX_WIDTH),
                        round(absolute_y + SIGNATURE_BOX_HEIGHT),
                    ),
                )
            )

    def _text(self, x: float, y: float, text: str, font: str, size: float) -> None:
        self.canv.setFont(font, size)
        self.canv.setFillColor(colors.black)
        self.canv.drawCentredString(x, y, nfc(text))


def numbered_canvas(footer: str) -> type[Canvas]:
    """A canvas that numbers pages at the top centre from the second page (Decree 30) and
    knows the page count when it finishes, for the small "x/y" at the foot that shows a
    reader whether a page is missing."""

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
            self.setFillColor(colors.black)
            if number > 1:
                self.setFont("Serif", BODY_SIZE)
                self.drawCentredString(PAGE_WIDTH / 2, PAGE_HEIGHT - 12 * mm, str(number))
            self.setFont("Serif", 8.5)
            self.setFillColor(colors.HexColor("#555555"))
            self.drawRightString(PAGE_WIDTH - RIGHT, 10 * mm, nfc(f"{footer} · {number}/{total}"))

    return NumberedCanvas


def build(
    story: list[Flowable], *, title: str, author: str, subject: str, footer: str, language: str
) -> bytes:
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=LEFT,
        rightMargin=RIGHT,
        topMargin=TOP,
        bottomMargin=BOTTOM,
        title=nfc(title),
        author=nfc(author),
        subject=nfc(subject),
        creator="e-Cabinet",
        lang=language,
        # reportlab starts every page (and table cell) in Helvetica, which is not
        # embedded; PDF/A wants every font the content names embedded.
        initialFontName="Serif",
        initialFontSize=BODY_SIZE,
        initialLeading=17,
    )
    document.build(story, canvasmaker=numbered_canvas(footer))
    return buffer.getvalue()
