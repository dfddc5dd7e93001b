"""Serving stored bytes over HTTP: ETag, If-None-Match, If-Range and single byte ranges.

Document bytes are private to the reader (``Cache-Control: private``) and revalidated on
every use (``no-cache``): the server checks access each time, which is what lets it refuse
a recalled document, while an unchanged copy costs a 304 and no bytes.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from .storage import BlobStore, Reads

PRIVATE_REVALIDATE = "private, no-cache"
PRIVATE_NO_STORE = "private, no-store"
RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # exclusive

    def header(self, size: int) -> str:
        return f"bytes {self.start}-{self.end - 1}/{size}"


class Unsatisfiable(Exception):
    pass


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """One range of ``bytes=a-b``, ``a-`` or ``-n``. None means: send the whole file
    (no header, or a form this server does not split, such as several ranges)."""
    if not header:
        return None
    match = RANGE.match(header.strip())
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:
        length = int(last)
        if length == 0:
            raise Unsatisfiable
        return ByteRange(max(size - length, 0), size)
    start = int(first)
    end = min(int(last) + 1, size) if last else size
    if start >= size or end <= start:
        raise Unsatisfiable
    return ByteRange(start, end)


def etag_matches(header: str | None, etag: str) -> bool:
    """If-None-Match: weak comparison, as RFC 9110 asks for that header."""
    if not header:
        return False
    if header.strip() == "*":
        return True
    tags = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return etag in tags


def disposition(filename: str, *, attachment: bool) -> str:
    kind = "attachment" if attachment else "inline"
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "_")
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def not_modified(etag: str, cache_control: str) -> Response:
    return Response(status_code=304, headers={"etag": etag, "cache-control": cache_control})


def blob_response(
    request: Request,
    store: BlobStore,
    reads: Reads,
    *,
    sha256: str,
    size: int,
    media_type: str,
    etag: str,
    headers: dict[str, str],
) -> Response:
    """200 with the whole file, 206 with one range, 304 or 416, all with the ETag."""
    base = {"etag": etag, "accept-ranges": "bytes", "cache-control": PRIVATE_REVALIDATE, **headers}
    if etag_matches(request.headers.get("if-none-match"), etag):
        return not_modified(etag, base["cache-control"])
    wanted: ByteRange | None = None
    if_range = request.headers.get("if-range")
    if if_range is None or if_range.strip() == etag:
        try:
            wanted = parse_range(request.headers.get("range"), size)
        except Unsatisfiable:
            return Response(status_code=416, headers={**base, "content-range": f"bytes */{size}"})
    chosen = wanted or ByteRange(0, size)
    body: AsyncIterator[bytes] = store.stream(reads, sha256, chosen.start, chosen.end)
    response_headers = {**base, "content-length": str(chosen.end - chosen.start)}
    if wanted is not None:
        response_headers["content-range"] = wanted.header(size)
    return StreamingResponse(
        body, status_code=206 if wanted else 200, media_type=media_type, headers=response_headers
    )
