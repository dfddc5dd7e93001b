"""The chart of a vote: one bar per choice (or option) against the whole electorate, and a
line at the number of votes that was needed. Vector graphics, so it prints sharply."""

from __future__ import annotations

from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.units import mm

from ..pdf.fonts import nfc
from ..rules import Outcome
from .labels import CHOICES, Words

BAR_COLOURS = {
    "for": colors.HexColor("#2e7d32"),
    "against": colors.HexColor("#c62828"),
    "abstain": colors.HexColor("#9e9e9e"),
}
OPTION_COLOUR = colors.HexColor("#1565c0")
ROW = 6.5 * mm
LABEL_WIDTH = 38 * mm
BAR_WIDTH = 95 * mm


def _rows(outcome: Outcome, _: Words) -> list[tuple[str, int, colors.Color]]:
    """(label, count, colour) per bar: for, against, abstain; or each option by its
    number (the adopted one green) and abstain."""
    abstain = (_.of(CHOICES, "abstain"), outcome.tally.abstain, BAR_COLOURS["abstain"])
    if outcome.options:
        return [
            (
                _("Option %(n)s", n=n),
                votes,
                BAR_COLOURS["for"] if key == outcome.adopted else OPTION_COLOUR,
            )
            for n, (key, votes) in enumerate(outcome.options, start=1)
        ] + [abstain]
    return [
        (_.of(CHOICES, "for"), outcome.tally.for_, BAR_COLOURS["for"]),
        (_.of(CHOICES, "against"), outcome.tally.against, BAR_COLOURS["against"]),
        abstain,
    ]


def vote_chart(outcome: Outcome, electorate: int, _: Words) -> Drawing:
    counts = _rows(outcome, _)
    cast = sum(count for _label, count, _colour in counts)
    scale = BAR_WIDTH / max(electorate, outcome.base, cast, 1)
    height = ROW * len(counts) + 7 * mm
    drawing = Drawing(LABEL_WIDTH + BAR_WIDTH + 20 * mm, height)
    # reportlab's graphics start in Helvetica, which is not embedded (PDF/A).
    drawing.initialFontName = "Serif"
    for row, (label, count, colour) in enumerate(counts):
        y = height - (row + 1) * ROW - 1 * mm
        drawing.add(String(0, y + 1.2 * mm, nfc(label), fontName="Serif", fontSize=10))
        drawing.add(
            Rect(
                LABEL_WIDTH,
                y,
                BAR_WIDTH,
                ROW * 0.7,
                fillColor=colors.HexColor("#f1f1f1"),
                strokeColor=None,
            )
        )
        if count:
            drawing.add(
                Rect(
                    LABEL_WIDTH,
                    y,
                    count * scale,
                    ROW * 0.7,
                    fillColor=colour,
                    strokeColor=None,
                )
            )
        drawing.add(
            String(
                LABEL_WIDTH + BAR_WIDTH + 2 * mm,
                y + 1.2 * mm,
                str(count),
                fontName="Serif-Bold",
                fontSize=10,
            )
        )
    threshold = LABEL_WIDTH + outcome.needed * scale
    drawing.add(
        Line(
            threshold,
            4 * mm,
            threshold,
            height,
            strokeColor=colors.black,
            strokeWidth=0.8,
            strokeDashArray=[2, 1.5],
        )
    )
    drawing.add(
        String(
            threshold,
            0.5 * mm,
            nfc(_("needed: %(n)s", n=outcome.needed)),
            fontName="Serif",
            fontSize=7.5,
            textAnchor="middle",
        )
    )
    return drawing
