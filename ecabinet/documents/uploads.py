"""Receiving an upload: the multipart body is streamed straight into a temporary file.

The file is hashed and counted while it arrives, never held whole in memory, and the
temporary file is removed whatever happens (a refusal, a dropped connection, an error),
unless the store has taken it.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import anyio
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from ..errors import BadRequest, PayloadTooLarge, UnsupportedMediaType, ValidationFailed

FIELD_LIMIT = 64 * 1024
MAX_FIELDS = 16
FILE_FIELD = "file"


@dataclass(frozen=True)
class StagedFile:
    """An uploaded file waiting in the staging directory, with what was learnt on the way."""

    path: Path
    filename: str
    size: int
    sha256: str


@dataclass
class Received:
    fields: dict[str, str]
    file: StagedFile

    def field(self, name: str, default: str = "") -> str:
        return self.fields.get(name, default)


@dataclass
class _Part:
    name: str = ""
    filename: str | None = None
    disposition: bytes = b""
    data: bytearray = field(default_factory=bytearray)


class _Collector:
    """python-multipart callbacks: fields into memory (small), the one file onto disk."""

    def __init__(self, staging: Path, file_limit: int, charset: str) -> None:
        self.staging = staging
        self.file_limit = file_limit
        self.charset = charset
        self.fields: dict[str, str] = {}
        self.part = _Part()
        self.header_name = bytearray()
        self.header_value = bytearray()
        self.handle: IO[bytes] | None = None
        self.path: Path | None = None
        self.filename = ""
        self.size = 0
        self.digest = hashlib.sha256()

    def callbacks(self) -> dict[str, Any]:
        return {
            "on_part_begin": self.on_part_begin,
            "on_part_data": self.on_part_data,
            "on_part_end": self.on_part_end,
            "on_header_field": self.on_header_field,
            "on_header_value": self.on_header_value,
            "on_header_end": self.on_header_end,
            "on_headers_finished": self.on_headers_finished,
        }

    def on_part_begin(self) -> None:
        self.part = _Part()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def on_header_end(self) -> None:
        if bytes(self.header_name).lower() == b"content-disposition":
            self.part.disposition = bytes(self.header_value)
        self.header_name.clear()
        self.header_value.clear()

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self.part.disposition)
        self.part.name = self._text(options.get(b"name", b""))
        if b"filename" not in options:
            if len(self.fields) >= MAX_FIELDS:
                raise BadRequest("The upload has too many form fields.")
            return
        if self.part.name != FILE_FIELD:
            raise BadRequest("Send the file in the form field named `file`.")
        if self.handle is not None:
            raise BadRequest("Send one file per upload.")
        self.part.filename = self._text(options[b"filename"])
        fd, name = tempfile.mkstemp(dir=self.staging, prefix="upload-")
        self.path = Path(name)
        self.handle = os.fdopen(fd, "wb")
        self.filename = self.part.filename

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        piece = data[start:end]
        if self.part.filename is None:
            if len(self.part.data) + len(piece) > FIELD_LIMIT:
                raise PayloadTooLarge(
                    "A form field is larger than %(limit)s bytes.", limit=FIELD_LIMIT
                )
            self.part.data += piece
            return
        self.size += len(piece)
        if self.size > self.file_limit:
            raise PayloadTooLarge(
                "The file is larger than the limit of %(limit)s bytes.", limit=self.file_limit
            )
        self.digest.update(piece)
        assert self.handle is not None
        self.handle.write(piece)

    def on_part_end(self) -> None:
        if self.part.filename is None:
            self.fields[self.part.name] = self._text(bytes(self.part.data))
        elif self.handle is not None:
            self.handle.close()

    def _text(self, raw: bytes) -> str:
        try:
            return raw.decode(self.charset)
        except UnicodeDecodeError:
            return raw.decode("latin-1")

    def close(self) -> None:
        if self.handle is not None and not self.handle.closed:
            self.handle.close()


def _charset_and_boundary(request: Request) -> tuple[str, bytes]:
    content_type = request.headers.get("content-type", "")
    kind, params = parse_options_header(content_type)
    if kind != b"multipart/form-data" or b"boundary" not in params:
        raise UnsupportedMediaType("Send the file as multipart/form-data, in a field named `file`.")
    charset = params.get(b"charset", b"utf-8").decode("latin-1")
    try:
        charset = codecs.lookup(charset).name
    except LookupError:
        charset = "utf-8"
    return charset, params[b"boundary"]


@asynccontextmanager
async def receive_upload(
    request: Request, *, staging: Path, file_limit: int
) -> AsyncIterator[Received]:
    """Stream the request's multipart body; the staged file is deleted on the way out."""
    charset, boundary = _charset_and_boundary(request)
    await anyio.Path(staging).mkdir(parents=True, exist_ok=True)
    collector = _Collector(staging, file_limit, charset)
    try:
        parser = MultipartParser(boundary, collector.callbacks())  # type: ignore[arg-type]
        try:
            async for chunk in request.stream():
                parser.write(chunk)
            parser.finalize()
        except FormParserError as exc:
            raise BadRequest("The upload is not valid multipart/form-data.") from exc
        collector.close()
        if collector.path is None:
            raise ValidationFailed("Choose a file to upload.")
        if collector.size == 0:
            raise ValidationFailed("The file is empty.")
        yield Received(
            collector.fields,
            StagedFile(
                path=collector.path,
                filename=collector.filename,
                size=collector.size,
                sha256=collector.digest.hexdigest(),
            ),
        )
    finally:
        collector.close()
        if collector.path is not None:
            await anyio.Path(collector.path).unlink(missing_ok=True)


@contextmanager
def staged_bytes(data: bytes, filename: str, staging: Path) -> Iterator[StagedFile]:
    """Bytes made on the server (the demo's drafts) staged like an upload, to go through
    the same checks and the same store."""
    staging.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=staging, prefix="upload-")
    path = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        yield StagedFile(
            path=path, filename=filename, size=len(data), sha256=hashlib.sha256(data).hexdigest()
        )
    finally:
        path.unlink(missing_ok=True)
