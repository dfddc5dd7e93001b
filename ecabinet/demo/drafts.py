"""Render a demo document as a PDF laid out like a Vietnamese administrative draft."""

from __future__ import annotations

import io
import re
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    HRFlowable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from ecabinet.demo.government import Document
from ecabinet.pdf.fonts import nfc, register_fonts

PAGE_WIDTH, PAGE_HEIGHT = A4
# Margins of Decree 30/2020/NĐ-CP on administrative documents: wide binding edge on the left.
LEFT, RIGHT, TOP, BOTTOM = 30 * mm, 20 * mm, 20 * mm, 20 * mm
FRAME_WIDTH = PAGE_WIDTH - LEFT - RIGHT

# Section headings ("I. ...", "Điều 1. ...", "Chương II") are set bold and not indented.
_HEADING = re.compile(r"^(?:[IVXLC]+\.|Điều \d+\.|Chương [IVXLC]+\b)")

_STYLES: dict[str, ParagraphStyle] = {}


def _styles() -> dict[str, ParagraphStyle]:
    if not _STYLES:
        base = ParagraphStyle("base", fontName="Serif", fontSize=12, leading=16)
        center = ParagraphStyle("center", base, alignment=TA_CENTER)
        _STYLES.update(
            agency=ParagraphStyle("agency", center, fontName="Serif-Bold", fontSize=11, leading=14),
            number=ParagraphStyle("number", center, fontSize=11, leading=14),
            nation=ParagraphStyle("nation", center, fontName="Serif-Bold", fontSize=10, leading=13),
            motto=ParagraphStyle("motto", center, fontName="Serif-Bold", fontSize=11, leading=14),
            date=ParagraphStyle("date", center, fontName="Serif-Italic", fontSize=11, leading=14),
            secret=ParagraphStyle(
                "secret",
                center,
                fontName="Serif-Bold",
                fontSize=11,
                leading=13,
                textColor=colors.HexColor("#b00000"),
            ),
            title=ParagraphStyle(
                "title", center, fontName="Serif-Bold", fontSize=13, leading=18, spaceBefore=8 * mm
            ),
            item=ParagraphStyle(
                "item",
                center,
                fontName="Serif-Italic",
                fontSize=10.5,
                leading=14,
                spaceBefore=2 * mm,
            ),
            body=ParagraphStyle(
                "body", base, alignment=TA_JUSTIFY, firstLineIndent=10 * mm, spaceAfter=6
            ),
            heading=ParagraphStyle(
                "heading",
                base,
                fontName="Serif-Bold",
                alignment=TA_LEFT,
                spaceBefore=4,
                spaceAfter=6,
            ),
            caps=ParagraphStyle("caps", center, fontName="Serif-Bold", spaceBefore=4, spaceAfter=6),
        )
    return _STYLES


def _p(text: str, style: str) -> Paragraph:
    # Paragraph parses a mini-markup: escape so "<", "&" in titles stay text.
    return Paragraph(escape(nfc(text)), _styles()[style])


def _header(agency: str, symbol: str, classified: bool) -> Table:
    left_width = FRAME_WIDTH * 0.40
    right_width = FRAME_WIDTH - left_width
    # Blank number and date: a draft gets them only when the text is signed and issued.
    blank = "\u00a0" * 8
    left: list[Flowable] = [
        _p(agency.upper(), "agency"),
        HRFlowable(width="35%", thickness=0.6, color=colors.black, spaceBefore=3, spaceAfter=4),
        _p(f"Số:{blank}/{symbol}", "number"),
    ]
    if classified:
        # The secrecy mark goes under the number and symbol (Circular 24/2020/TT-BCA).
        stamp = Table([[_p("MẬT", "secret")]], colWidths=[22 * mm])
        stamp.setStyle(
            TableStyle(
                [
                    ("BOX", (0, 0), (-1, -1), 1, colors.HexColor("#b00000")),
                    ("TOPPADDING", (0, 0), (-1, -1), 1),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                ]
            )
        )
        left += [Spacer(1, 3 * mm), stamp]
    right: list[Flowable] = [
        _p("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "nation"),
        _p("Độc lập - Tự do - Hạnh phúc", "motto"),
        HRFlowable(width="48%", thickness=0.6, color=colors.black, spaceBefore=3, spaceAfter=4),
        _p(f"Hà Nội, ngày{blank}tháng{blank}năm 20{blank}", "date"),
    ]
    table = Table([[left, right]], colWidths=[left_width, right_width])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                # A cell places its flowables by its own alignment, whatever their hAlign says.
                ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def _body_paragraph(text: str) -> Paragraph:
    if _HEADING.match(text) and len(text) < 100:
        return _p(text, "heading")
    if text.isupper():
        return _p(text, "caps")
    return _p(text, "body")


def _draft_mark(canvas: Any, _doc: Any) -> None:
    width, height = 26 * mm, 8 * mm
    x = PAGE_WIDTH - RIGHT - width
    y = PAGE_HEIGHT - TOP + 3 * mm
    canvas.saveState()
    canvas.setLineWidth(0.8)
    canvas.rect(x, y, width, height)
    canvas.setFont("Sans-Bold", 10)
    canvas.drawCentredString(x + width / 2, y + 2.6 * mm, nfc("DỰ THẢO"))
    canvas.restoreState()


class _NumberedCanvas(Canvas):  # type: ignore[misc,unused-ignore]
    """Defers each page until the end, so the footer can say how many pages there are."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._page_states: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._page_states.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._page_states)
        for number, state in enumerate(self._page_states, start=1):
            self.__dict__.update(state)
            self.saveState()
            self.setFont("Sans", 9)
            self.drawCentredString(PAGE_WIDTH / 2, BOTTOM / 2, f"Trang {number}/{total}")
            self.restoreState()
            super().showPage()
        super().save()


def render_draft_pdf(item_title: str, doc: Document, *, issuing_agency: str) -> bytes:
    """Render ``doc`` of the agenda item ``item_title`` as an A4 draft and return the PDF.

    ``issuing_agency`` heads the document unless ``doc.issuer`` names another issuer (a
    draft decree presented by a ministry is issued by the Government).
    """
    register_fonts()
    agency = doc.issuer or issuing_agency
    story: list[Flowable] = [
        _header(agency, doc.symbol, doc.classification == "mat"),
        _p(doc.title_vi, "title"),
        _p(f"Nội dung trình Chính phủ: {item_title}", "item"),
        HRFlowable(
            width="25%", thickness=0.6, color=colors.black, spaceBefore=3 * mm, spaceAfter=6 * mm
        ),
    ]
    story += [_body_paragraph(text) for text in doc.body]

    buffer = io.BytesIO()
    template = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=LEFT,
        rightMargin=RIGHT,
        topMargin=TOP,
        bottomMargin=BOTTOM,
        title=nfc(doc.title_vi),
        author=nfc(agency),
        creator="e-Cabinet",
    )
    template.build(story, onFirstPage=_draft_mark, canvasmaker=_NumberedCanvas)
    return buffer.getvalue()
