"""Shared pieces of the server's small reports (synthesis of comments, poll result notice):
Vietnamese-capable styles, escaped paragraphs, local times, and page numbers."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Table, TableStyle

from .fonts import nfc, register_fonts

Gettext = Callable[..., str]

STYLES: dict[str, ParagraphStyle] = {}


def styles() -> dict[str, ParagraphStyle]:
    if not STYLES:
        register_fonts()
        base = ParagraphStyle("base", fontName="Serif", fontSize=11, leading=14.5)
        STYLES.update(
            {
                "body": base,
                "agency": ParagraphStyle(
                    "agency", base, fontName="Serif-Bold", fontSize=11, alignment=TA_CENTER
                ),
                "title": ParagraphStyle(
                    "title",
                    base,
                    fontName="Serif-Bold",
                    fontSize=14,
                    leading=18,
                    alignment=TA_CENTER,
                    spaceBefore=8,
                    spaceAfter=4,
                ),
                "subtitle": ParagraphStyle(
                    "subtitle", base, fontName="Serif-Italic", alignment=TA_CENTER, spaceAfter=10
                ),
                "heading": ParagraphStyle(
                    "heading",
                    base,
                    fontName="Serif-Bold",
                    fontSize=12,
                    spaceBefore=10,
                    spaceAfter=4,
                ),
                "cell": ParagraphStyle("cell", base, fontName="Sans", fontSize=8.5, leading=11),
                "head": ParagraphStyle(
                    "head", base, fontName="Sans-Bold", fontSize=8.5, leading=11
                ),
                "small": ParagraphStyle(
                    "small",
                    base,
                    fontName="Sans",
                    fontSize=8,
                    leading=10,
                    textColor=colors.HexColor("#444444"),
                ),
            }
        )
    return STYLES


def para(text: str, style: str = "body", *, markup: bool = False) -> Paragraph:
    """A paragraph of plain text (escaped, NFC, line breaks kept) or of trusted markup."""
    body = nfc(text) if markup else escape(nfc(text)).replace("\n", "<br/>")
    return Paragraph(body, styles()[style])


def local(moment: datetime | None, zone: ZoneInfo) -> str:
    return "" if moment is None else moment.astimezone(zone).strftime("%d/%m/%Y %H:%M")


def grid(rows: list[list[Any]], widths: list[float]) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#777777")),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def build(
    story: list[Flowable], *, title: str, page_label: Gettext, pagesize: tuple[float, float] = A4
) -> bytes:
    """The PDF's bytes, each page numbered at the foot ("Page n")."""
    buffer = io.BytesIO()

    def number(canvas: Any, document: Any) -> None:
        canvas.saveState()
        canvas.setFont("Sans", 8)
        canvas.drawRightString(pagesize[0] - 15 * mm, 10 * mm, nfc(page_label(document.page)))
        canvas.restoreState()

    register_fonts()
    document = SimpleDocTemplate(
        buffer,
        pagesize=pagesize,
        title=nfc(title),
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=18 * mm,
        author="e-Cabinet",
    )
    document.build(story, onFirstPage=number, onLaterPages=number)
    return buffer.getvalue()
