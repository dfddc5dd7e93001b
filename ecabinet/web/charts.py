"""Geometry of the small charts drawn on the server as SVG (templates/_charts.html): no
script, no inline style (the CSP forbids both); colours come from the stylesheet."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 12, 36


@dataclass(frozen=True)
class StepChart:
    path: str
    grid: list[tuple[float, int]]  # (y, percent)
    dots: list[tuple[float, float]]
    start: datetime
    end: datetime
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT


def response_rate(
    points: list[tuple[datetime, int]], total: int, *, start: datetime, end: datetime
) -> StepChart:
    """A step line of the share of cells answered, from ``start`` to ``end``."""
    span = max((end - start).total_seconds(), 1.0)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(moment: datetime) -> float:
        seconds = min(max((moment - start).total_seconds(), 0.0), span)
        return round(LEFT + plot_w * seconds / span, 1)

    def y(count: int) -> float:
        return round(TOP + plot_h * (1 - (count / total if total else 0)), 1)

    path = [f"M{x(start)},{y(0)}"]
    path += [f"H{x(moment)}V{y(count)}" for moment, count in points]
    path.append(f"H{x(end)}")
    grid = [
        (y(share), round(100 * share / total) if total else 0)
        for share in sorted({0, total // 2, total})
    ]
    return StepChart("".join(path), grid, [(x(m), y(c)) for m, c in points], start, end)
