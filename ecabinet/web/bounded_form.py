"""A multipart form read from the request stream with a byte budget per part and in all.

Starlette's parser spools every file to a temporary file before the view can look at its
size. Here each part is counted as its bytes arrive: the first byte past its budget (or
past the total) stops the reading with 413, and nothing beyond the budgets is ever held in
memory or written to disk. Only the fields named in the budgets are accepted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from ..errors import BadRequest, PayloadTooLarge, UnsupportedMediaType


@dataclass
class Part:
    name: str
    filename: str | None
    data: bytearray = field(default_factory=bytearray)


async def read_parts(
    request: Request, budgets: Mapping[str, int], *, total: int
) -> dict[str, Part]:
    """The form's parts by name, each within ``budgets[name]`` bytes, all within ``total``."""
    content_type, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise UnsupportedMediaType("Send the form as multipart/form-data.")
    parts: dict[str, Part] = {}
    current: list[Part] = []
    header: dict[str, bytearray] = {"field": bytearray(), "value": bytearray()}
    headers: dict[bytes, bytes] = {}

    def on_part_begin() -> None:
        headers.clear()

    def on_header_field(data: bytes, start: int, end: int) -> None:
        header["field"] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        header["value"] += data[start:end]
        if len(header["value"]) > 1024:
            raise BadRequest("The upload is not valid multipart/form-data.")

    def on_header_end() -> None:
        headers[bytes(header["field"]).lower()] = bytes(header["value"])
        header["field"], header["value"] = bytearray(), bytearray()

    def on_headers_finished() -> None:
        _, disposition = parse_options_header(headers.get(b"content-disposition", b""))
        name = disposition.get(b"name", b"").decode("utf-8", "replace")
        if name not in budgets or name in parts:
            raise BadRequest("The form has an unexpected field %(field)s.", field=name[:40])
        filename = disposition.get(b"filename")
        part = Part(name, None if filename is None else filename.decode("utf-8", "replace"))
        parts[name] = part
        current[:] = [part]

    def on_part_data(data: bytes, start: int, end: int) -> None:
        part = current[0]
        part.data += data[start:end]
        if len(part.data) > budgets[part.name]:
            if part.filename is None:
                raise PayloadTooLarge(
                    "A form field is larger than %(limit)s bytes.", limit=budgets[part.name]
                )
            raise PayloadTooLarge(
                "The file is larger than the limit of %(limit)s bytes.", limit=budgets[part.name]
            )

    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": on_part_begin,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_headers_finished": on_headers_finished,
            "on_part_data": on_part_data,
        },
    )
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > total:
                raise PayloadTooLarge(
                    "The request is larger than the limit of %(limit)s bytes.", limit=total
                )
            parser.write(chunk)
        parser.finalize()
    except FormParserError as exc:
        raise BadRequest("The upload is not valid multipart/form-data.") from exc
    return parts
