"""The text of PDF pages with its positions (PDFium's character boxes), next to the
rendered page images: the reader lays it transparently over the image so that text can be
selected, copied and searched, and hits and highlights fall on the right words.

Positions are fractions of the page (0 to 1 from the top-left corner), so the same text
layer fits the page at any zoom. Text is derived data: computed on demand and cached by the
file's SHA-256, never stored.
"""

from __future__ import annotations

import threading
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium

from .rendering import _pdfium_lock

LINE_BREAKS = {"\r", "\n"}


@dataclass(frozen=True)
class Line:
    text: str
    # left, top, width, height: fractions of the page's width and height
    box: tuple[float, float, float, float]
    # the left edge of each character, then the right edge of the last: fractions of width
    edges: tuple[float, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "t": self.text,
            "b": [round(v, 5) for v in self.box],
            "x": [round(v, 5) for v in self.edges],
        }


@dataclass(frozen=True)
class PageText:
    number: int
    lines: tuple[Line, ...]

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


def _page_lines(page: Any) -> tuple[Line, ...]:
    width, height = page.get_width(), page.get_height()
    textpage = page.get_textpage()
    try:
        count = textpage.count_chars()
        text = textpage.get_text_range(0, count) if count else ""
        boxes = [textpage.get_charbox(i, loose=True) for i in range(len(text))]
    finally:
        textpage.close()
    lines: list[Line] = []
    current: list[tuple[str, tuple[float, float, float, float]]] = []
    for char, box in zip(text, boxes, strict=False):
        if char in LINE_BREAKS:
            if current:
                lines.append(_line(current, width, height))
                current = []
            continue
        current.append((char, box))
    if current:
        lines.append(_line(current, width, height))
    return tuple(line for line in lines if line.text.strip())


def _line(
    chars: list[tuple[str, tuple[float, float, float, float]]], width: float, height: float
) -> Line:
    # A space PDFium generates between words has an empty box: it spans the gap instead.
    real = [box for _, box in chars if box[2] > box[0]]
    left = min(box[0] for box in real) if real else 0.0
    right = max(box[2] for box in real) if real else 0.0
    bottom = min(box[1] for box in real) if real else 0.0
    top = max(box[3] for box in real) if real else 0.0
    edges: list[float] = []
    last_right = left
    for _, box in chars:
        start = box[0] if box[2] > box[0] else last_right
        edges.append(start / width)
        last_right = box[2] if box[2] > box[0] else last_right
    edges.append(right / width)
    text = unicodedata.normalize("NFC", "".join(char for char, _ in chars))
    if len(text) != len(chars):  # decomposed marks in the file: keep offsets aligned
        text = "".join(char for char, _ in chars)
    return Line(
        text,
        (left / width, 1 - top / height, (right - left) / width, (top - bottom) / height),
        tuple(edges),
    )


class _TextCache:
    """Least recently used texts of whole documents, by SHA-256."""

    def __init__(self, max_documents: int = 32) -> None:
        self.max_documents = max_documents
        self._items: OrderedDict[str, dict[int, PageText]] = OrderedDict()
        self._lock = threading.Lock()

    def page(self, sha256: str, number: int) -> PageText | None:
        with self._lock:
            pages = self._items.get(sha256)
            if pages is None:
                return None
            self._items.move_to_end(sha256)
            return pages.get(number)

    def put(self, sha256: str, page: PageText) -> None:
        with self._lock:
            self._items.setdefault(sha256, {})[page.number] = page
            self._items.move_to_end(sha256)
            while len(self._items) > self.max_documents:
                self._items.popitem(last=False)


TEXTS = _TextCache()


def page_text(path: Path, sha256: str, number: int) -> PageText:
    """Page ``number`` (from 1) of the PDF at ``path`` whose content is ``sha256``."""
    cached = TEXTS.page(sha256, number)
    if cached is not None:
        return cached
    with _pdfium_lock:
        document = pdfium.PdfDocument(str(path))
        try:
            page = document[number - 1]
            try:
                result = PageText(number, _page_lines(page))
            finally:
                page.close()
        finally:
            document.close()
    TEXTS.put(sha256, result)
    return result


def document_text(path: Path, sha256: str) -> list[PageText]:
    """Every page's text, in order: for finding words, comparing versions and indexing."""
    with _pdfium_lock:
        document = pdfium.PdfDocument(str(path))
        try:
            count = len(document)
        finally:
            document.close()
    return [page_text(path, sha256, number) for number in range(1, count + 1)]
