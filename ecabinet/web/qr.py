"""QR codes of enrollment links, for the tablet's camera.

reportlab draws the code and renders it as SVG. Its SVG styles each shape with a
``style=""`` attribute, which the page's Content-Security-Policy (no inline styles) would
block inside the page, turning the code into a black square. Shown as an ``<img>`` from a
``data:`` URI, the SVG is a separate image document that the policy allows whole.
"""

from __future__ import annotations

import base64

from reportlab.graphics import renderSVG
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing

# Whole units, so the SVG's viewBox (rounded by reportlab) matches the drawing exactly.
SIZE = 330


def qr_svg(text: str) -> str:
    """An SVG document with ``text`` as a QR code (error correction M, quiet zone kept)."""
    widget = QrCodeWidget(text, barLevel="M", barWidth=SIZE, barHeight=SIZE)
    drawing = Drawing(SIZE, SIZE)
    drawing.add(widget)
    svg: str = renderSVG.drawToString(drawing)
    return svg


def qr_data_uri(text: str) -> str:
    """The QR code as a ``data:`` URI for an ``<img src>``."""
    encoded = base64.b64encode(qr_svg(text).encode()).decode("ascii")
    return f"data:image/svg+xml;base64,{encoded}"
