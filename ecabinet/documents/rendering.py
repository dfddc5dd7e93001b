"""PDF pages rendered to PNG on the server (PDFium), so any tablet browser shows them.

Pages are rendered in worker processes (``ecabinet.workers``), never in the server's own:
``page_png`` and ``stamped_page_png`` are the jobs. The output is capped in pixels, so a
page drawn 200 inches tall costs no more than an ordinary one. PDFium is not
thread-safe: in the server process (the upload checks) every call holds one lock.
Rendered pages of the same version at the same width are the same bytes, so a small
in-memory cache serves the many tablets that open the same page; it is derived data.
"""

from __future__ import annotations

import io
import math
import threading
from collections import OrderedDict
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image

from . import watermark

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


def pdfium_page_sizes(path: Path, limit: int) -> list[tuple[float, float]] | None:
    """Width and height in points of the first ``limit`` pages, read without loading them."""
    with _pdfium_lock:
        try:
            document = pdfium.PdfDocument(str(path))
        except pdfium.PdfiumError:
            return None
        try:
            return [document.get_page_size(index) for index in range(min(len(document), limit))]
        finally:
            document.close()


def scale_for(page_width: float, page_height: float, width: int, max_pixels: int) -> float:
    """The scale that makes the page ``width`` pixels wide, reduced to fit ``max_pixels``."""
    scale = width / max(page_width, 1.0)
    area = max(page_width, 1.0) * max(page_height, 1.0)
    if area * scale * scale > max_pixels:
        scale = math.sqrt(max_pixels / area)
    return scale


def render_page(path: Path, number: int, width: int, max_pixels: int) -> Image.Image:
    """Page ``number`` (from 1) as an RGB image about ``width`` pixels wide, of at most
    ``max_pixels`` pixels (blocking; called in a worker process)."""
    with _pdfium_lock:
        document = pdfium.PdfDocument(str(path))
        try:
            page = document[number - 1]
            try:
                scale = scale_for(page.get_width(), page.get_height(), width, max_pixels)
                image: Image.Image = page.render(scale=scale).to_pil().convert("RGB")
                return image
            finally:
                page.close()
        finally:
            document.close()


def page_png(path: Path, number: int, width: int, max_pixels: int) -> bytes:
    """A worker job: the page as PNG bytes."""
    return png_bytes(render_page(path, number, width, max_pixels))


def stamped_page_png(
    path: Path, number: int, width: int, max_pixels: int, stamp: watermark.Stamp
) -> bytes:
    """A worker job: the page with the reader's stamp drawn in, as PNG bytes."""
    return png_bytes(watermark.stamp_image(render_page(path, number, width, max_pixels), stamp))


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
