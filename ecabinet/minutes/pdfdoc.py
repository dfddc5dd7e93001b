"""PDF structure through pyHanko: the empty signature fields, embedded files, and reading
embedded files back.

Both signature fields are added to the unsigned document. Each signature then only fills
its own field in a revision of its own, which pyHanko's difference analysis (and any PAdES
validator) accepts as form filling, so the secretary's signature stays valid when the
chair signs after.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from pyhanko.pdf_utils import embed, generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import BasePdfFileWriter
from pyhanko.sign import fields

from ..pdf.archival import archival_writer, associate_last_embedded_file
from .layout import FieldPlacement

JSON = "application/json"
KIND_KEY = "/ECabinet"
MINUTES, NOTICE = "Minutes", "Notice"
KIND_VERSION = 2
# An embedded file larger than this, once decompressed, is refused rather than read.
MAX_EMBEDDED_FILE = 64 * 1024 * 1024


def prepare(
    pdf: bytes,
    placements: Iterable[FieldPlacement],
    attachments: Mapping[str, bytes],
    *,
    kind: str,
    lock_field: str,
) -> bytes:
    """The unsigned document: reportlab's pages, the empty signature fields over the boxes
    the layout reserved, and the attached files, written as one PDF/A-3 revision.

    ``kind`` ("minutes" or "notice") is written into the catalog, so that a verifier tells
    the two apart by what the signed first revision says, not by an attachment's name. The
    field ``lock_field`` carries a /Lock (FieldMDP all fields, DocMDP "no changes"): the
    signature that fills it locks the document, after which only validation data (DSS,
    document time stamps) may be added."""
    writer = archival_writer(pdf)
    writer.root[KIND_KEY] = kind_marker(kind)
    for placement in placements:
        lock = placement.name == lock_field
        fields.append_signature_field(
            writer,
            fields.SigFieldSpec(
                placement.name,
                on_page=placement.page,
                box=placement.box,
                field_mdp_spec=fields.FieldMDPSpec(fields.FieldMDPAction.ALL) if lock else None,
                doc_mdp_update_value=fields.MDPPerm.NO_CHANGES if lock else None,
            ),
        )
    # SignaturesExist | AppendOnly from the start, as the first signature would set them:
    # the secretary's revision then changes nothing in the form but its own field.
    untyped: Any = generic
    writer.root["/AcroForm"].get_object()["/SigFlags"] = untyped.NumberObject(3)
    for name, data in attachments.items():
        attach(writer, name, data)
    out = io.BytesIO()
    untyped = writer
    untyped.write(out)
    return out.getvalue()


def kind_marker(kind: str) -> Any:
    """``<< /Kind /Minutes /Version 2 >>``: what the document is, in its first revision."""
    untyped: Any = generic
    return untyped.DictionaryObject(
        {
            generic.pdf_name("/Kind"): generic.pdf_name(f"/{kind}"),
            generic.pdf_name("/Version"): untyped.NumberObject(KIND_VERSION),
        }
    )


def attach(writer: BasePdfFileWriter, name: str, data: bytes, *, description: str = "") -> None:
    stream = embed.EmbeddedFileObject.from_file_data(
        writer,
        data,
        mime_type=JSON,
        params=embed.EmbeddedFileParams(
            embed_size=True, embed_checksum=True, modification_date=datetime.now(UTC)
        ),
    )
    embed.embed_file(
        writer,
        embed.FileSpec(
            file_spec_string=name,
            file_name=name,
            embedded_data=stream,
            description=description or name,
        ),
    )
    associate_last_embedded_file(writer)  # PDF/A-3: an associated file


def incremental(pdf: bytes) -> IncrementalPdfFileWriter:
    return IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)


class UnreadableFile(ValueError):
    """An embedded file that cannot be read safely; the message says why."""


def embedded_files(
    reader: PdfFileReader, *, root: Any = None, limit: int = MAX_EMBEDDED_FILE
) -> dict[str, bytes]:
    """The files in the document's embedded-file name tree, as the latest revision has them
    (or as the catalog ``root`` of an earlier revision has them).

    Each stream is decompressed with a bound, so that a hostile file cannot make the reader
    inflate gigabytes; a damaged stream raises :class:`UnreadableFile`."""
    catalog = reader.root if root is None else root
    try:
        tree = catalog["/Names"]["/EmbeddedFiles"]
    except KeyError:
        return {}
    found: dict[str, bytes] = {}
    _walk(tree, found, limit, depth=0)
    return found


def _walk(node: Any, found: dict[str, bytes], limit: int, *, depth: int) -> None:
    if depth > 8:  # our trees are flat; a deep one is hostile or broken
        raise UnreadableFile("the embedded-file name tree is nested too deeply")
    node = node.get_object()
    if "/Names" in node:
        pairs = list(node["/Names"])
        for key, spec in zip(pairs[0::2], pairs[1::2], strict=False):
            name = str(key)
            if name in found:
                raise UnreadableFile(f"two embedded files are named {name}")
            data = _file_data(spec.get_object(), name, limit)
            if data is not None:
                found[name] = data
    if "/Kids" in node:
        for kid in node["/Kids"]:
            _walk(kid, found, limit, depth=depth + 1)


def _file_data(spec: Any, name: str, limit: int) -> bytes | None:
    try:
        stream = spec["/EF"]["/F"].get_object()
    except KeyError:
        return None
    if not isinstance(stream, generic.StreamObject):
        raise UnreadableFile(f"the embedded file {name} is not a stream")
    return bounded_stream_data(stream, name, limit)


def bounded_stream_data(stream: generic.StreamObject, name: str, limit: int) -> bytes:
    """A stream's content: raw, or Flate-decoded into at most ``limit`` bytes. Other
    filters, and Flate with a predictor, are refused: e-Cabinet writes neither."""
    filters = stream.get("/Filter")
    if filters is None:
        chain: list[str] = []
    elif isinstance(filters, generic.ArrayObject):
        chain = [str(f) for f in filters]
    else:
        chain = [str(filters)]
    if "/DecodeParms" in stream or any(f != "/FlateDecode" for f in chain) or len(chain) > 1:
        raise UnreadableFile(
            f"the embedded file {name} uses a filter this verifier does not "
            f"read ({', '.join(chain)})"
        )
    raw: bytes = stream.encoded_data
    if not chain:
        if len(raw) > limit:
            raise UnreadableFile(f"the embedded file {name} is larger than {limit} bytes")
        return raw
    inflater = zlib.decompressobj()
    try:
        data = inflater.decompress(raw, limit + 1)
    except zlib.error as exc:
        raise UnreadableFile(
            f"the compressed stream of the embedded file {name} is damaged ({exc})"
        ) from exc
    if len(data) > limit or inflater.unconsumed_tail:
        raise UnreadableFile(f"the embedded file {name} inflates to more than {limit} bytes")
    if not inflater.eof:
        raise UnreadableFile(f"the compressed stream of the embedded file {name} is truncated")
    return data


def signature_field_names(reader: PdfFileReader) -> list[str]:
    return [name for name, _value, _ref in fields.enumerate_sig_fields(reader)]
