"""PDF structure through pyHanko: the empty signature fields, embedded files, and reading
embedded files back.

Both signature fields are added to the unsigned document. Each signature then only fills
its own field in a revision of its own, which pyHanko's difference analysis (and any PAdES
validator) accepts as form filling, so the secretary's signature stays valid when the
chair signs after.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from pyhanko.pdf_utils import embed
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import BasePdfFileWriter, copy_into_new_writer
from pyhanko.sign import fields

from .layout import FieldPlacement

JSON = "application/json"


def prepare(pdf: bytes, placements: Iterable[FieldPlacement],
            attachments: Mapping[str, bytes]) -> bytes:
    """The unsigned document: reportlab's pages, the empty signature fields over the boxes
    the layout reserved, and the attached files, written as one revision."""
    writer = copy_into_new_writer(PdfFileReader(io.BytesIO(pdf)))
    for placement in placements:
        fields.append_signature_field(writer, fields.SigFieldSpec(
            placement.name, on_page=placement.page, box=placement.box))
    for name, data in attachments.items():
        attach(writer, name, data)
    out = io.BytesIO()
    untyped: Any = writer
    untyped.write(out)
    return out.getvalue()


def attach(writer: BasePdfFileWriter, name: str, data: bytes, *, description: str = "") -> None:
    stream = embed.EmbeddedFileObject.from_file_data(
        writer, data, mime_type=JSON, params=embed.EmbeddedFileParams(
            embed_size=True, embed_checksum=True, modification_date=datetime.now(UTC)))
    embed.embed_file(writer, embed.FileSpec(
        file_spec_string=name, file_name=name, embedded_data=stream,
        description=description or name))


def incremental(pdf: bytes) -> IncrementalPdfFileWriter:
    return IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)


def embedded_files(reader: PdfFileReader) -> dict[str, bytes]:
    """The files in the document's embedded-file name tree, as the latest revision has them."""
    try:
        tree = reader.root["/Names"]["/EmbeddedFiles"]
    except KeyError:
        return {}
    found: dict[str, bytes] = {}
    _walk(tree, found)
    return found


def _walk(node: Any, found: dict[str, bytes]) -> None:
    node = node.get_object()
    if "/Names" in node:
        pairs = list(node["/Names"])
        for key, spec in zip(pairs[0::2], pairs[1::2], strict=False):
            data = _file_data(spec.get_object())
            if data is not None:
                found[str(key)] = data
    if "/Kids" in node:
        for kid in node["/Kids"]:
            _walk(kid, found)


def _file_data(spec: Any) -> bytes | None:
    try:
        stream = spec["/EF"]["/F"].get_object()
    except KeyError:
        return None
    data: bytes = stream.data
    return data


def signature_field_names(reader: PdfFileReader) -> list[str]:
    return [name for name, _value, _ref in fields.enumerate_sig_fields(reader)]
