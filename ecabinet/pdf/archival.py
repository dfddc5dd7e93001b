"""PDF/A-3 level B (ISO 19005-3) for the documents the server signs and keeps: the minutes
and the conclusion notice.

What reportlab and pyHanko do not do on their own is added here: XMP metadata that names
the PDF/A part and conformance (pyHanko keeps the XMP up to date in every later revision,
the signatures' included), an sRGB output intent with the ICC profile shipped in
``ecabinet/pdf/icc`` (zlib licence), and the association of each embedded file with the
document (``/AF`` on the catalog, ``/AFRelationship`` on the file specification), which
PDF/A-3 requires of embedded files. Fonts are embedded by reportlab (the page) and by
pyHanko (the signature appearance, see ``ecabinet.minutes.sign``).

The document keeps no Info dictionary: PDF/A asks that an Info dictionary agree with the
XMP in every revision, and the XMP alone says everything.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.metadata import model
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import BasePdfFileWriter, PdfFileWriter, copy_into_new_writer

ICC_PROFILE = Path(__file__).resolve().parent / "icc" / "sRGB.icc"
OUTPUT_CONDITION = "sRGB IEC61966-2.1"
PART = "3"
CONFORMANCE = "B"
PDFAID_PART = model.ExpandedName(ns=model.NS["pdfaid"], local_name="part")
PDFAID_CONFORMANCE = model.ExpandedName(ns=model.NS["pdfaid"], local_name="conformance")
# The evidence and the approval are the data the record's statements are drawn from.
DATA = "/Data"


def archival_writer(pdf: bytes) -> PdfFileWriter:
    """A writer over reportlab's document that will write it as PDF/A-3b."""
    reader = PdfFileReader(io.BytesIO(pdf))
    info = _info_of(reader)
    writer = copy_into_new_writer(reader, {"info": None})
    meta = writer.document_meta
    meta.title = info.get("/Title")
    meta.author = info.get("/Author")
    meta.subject = info.get("/Subject")
    meta.creator = info.get("/Creator")
    meta.created = datetime.now(UTC)
    meta.xmp_extra = [
        model.XmpStructure.of(
            (PDFAID_PART, model.XmpValue(PART)), (PDFAID_CONFORMANCE, model.XmpValue(CONFORMANCE))
        )
    ]
    _add_output_intent(writer)
    return writer


def _info_of(reader: PdfFileReader) -> dict[str, str]:
    try:
        info = reader.trailer_view["/Info"].get_object()
    except KeyError:
        return {}
    return {
        key: str(value)
        for key, value in info.items()
        if isinstance(value, generic.TextStringObject | generic.ByteStringObject)
    }


def _add_output_intent(pdf_writer: BasePdfFileWriter) -> None:
    writer: Any = pdf_writer  # pyHanko's writer and object classes are partly untyped
    pdf: Any = generic
    profile = pdf.StreamObject(
        {generic.pdf_name("/N"): pdf.NumberObject(3)}, stream_data=ICC_PROFILE.read_bytes()
    )
    profile.compress()
    intent = pdf.DictionaryObject(
        {
            generic.pdf_name("/Type"): generic.pdf_name("/OutputIntent"),
            generic.pdf_name("/S"): generic.pdf_name("/GTS_PDFA1"),
            generic.pdf_name("/OutputConditionIdentifier"): generic.TextStringObject(
                OUTPUT_CONDITION
            ),
            generic.pdf_name("/Info"): generic.TextStringObject(OUTPUT_CONDITION),
            generic.pdf_name("/RegistryName"): generic.TextStringObject("http://www.color.org"),
            generic.pdf_name("/DestOutputProfile"): writer.add_object(profile),
        }
    )
    writer.root[generic.pdf_name("/OutputIntents")] = generic.ArrayObject(
        [writer.add_object(intent)]
    )
    writer.update_root()


def associate_last_embedded_file(pdf_writer: BasePdfFileWriter, relationship: str = DATA) -> None:
    """Associate the file just added to the embedded-file name tree with the document, and
    keep the tree's keys sorted (pyHanko appends; a name tree must be in key order)."""
    writer: Any = pdf_writer
    names: Any = writer.root["/Names"]["/EmbeddedFiles"]["/Names"]
    spec_ref = names.raw_get(len(names) - 1)
    pairs = sorted(
        ((names.raw_get(i), names.raw_get(i + 1)) for i in range(0, len(names), 2)),
        key=lambda pair: str(pair[0]),
    )
    names[:] = [item for pair in pairs for item in pair]
    writer.update_container(names)
    spec = spec_ref.get_object()
    spec[generic.pdf_name("/AFRelationship")] = generic.pdf_name(relationship)
    writer.update_container(spec)
    try:
        files: Any = writer.root["/AF"]
    except KeyError:
        writer.root[generic.pdf_name("/AF")] = writer.add_object(generic.ArrayObject([spec_ref]))
        writer.update_root()
        return
    files.append(spec_ref)
    writer.update_container(files)
