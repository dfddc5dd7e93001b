"""PDF pages rendered to PNG on the server (PDFium), so any tablet browser shows them.

PDFium is not thread-safe: every call into it holds one lock. Rendered pages of the same
version at the same width are the same bytes, so a small in-memory cache serves the many
tablets that open the same page; it is derived data, not state.
"""

from __future__ import annotations

import io
import threading
from collections import OrderedDict
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image

# Widths a tablet may ask for; a closed set keeps the cache useful and the cost bounded.
PAGE_WIDTHS = (600, 900, 1200, 1600, 2000)
DEFAULT_WIDTH = 1200
# Bumped when the rendering changes, so ETags of rendered pages change with it.
RENDERER_VERSION = "1"

_pdfium_lock = threading.Lock()


def pdfium_page_count(path: Path) -> int | None:
    """The number of pages PDFium sees, or None when it cannot open the file."""
    with _pdfium_lock:
        try:
            document = pdfium.PdfDocument(str(path))
        except pdfium.PdfiumError:
            return None
        try:
            return len(document)
        finally:
            document.close()


def nearest_width(requested: int | None) -> int:
    if requested is None:
        return DEFAULT_WIDTH
    return min(PAGE_WIDTHS, key=lambda width: (abs(width - requested), width))


def render_page(path: Path, number: int, width: int) -> Image.Image:
    """Page ``number`` (from 1) as an RGB image ``width`` pixels wide."""
    with _pdfium_lock:
        document = pdfium.PdfDocument(str(path))
        try:
            page = document[number - 1]
            try:
                scale = width / page.get_width()
                image: Image.Image = page.render(scale=scale).to_pil().convert("RGB")
                return image
            finally:
                page.close()
        finally:
            document.close()


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=6)
    return buffer.getvalue()


class PageCache:
    """Least recently used rendered pages, bounded by their total size in bytes."""

    def __init__(self, max_bytes: int = 64 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[tuple[str, int, int], bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: tuple[str, int, int]) -> bytes | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: tuple[str, int, int], value: bytes) -> None:
        with self._lock:
            if key in self._items:
                return
            self._items[key] = value
            self._bytes += len(value)
            while self._bytes > self.max_bytes and self._items:
                _, dropped = self._items.popitem(last=False)
                self._bytes -= len(dropped)


PAGES = PageCache()
