"""What an uploaded file really is: its type from its content, its name made safe, and
for a PDF, proof that it opens (not truncated, not encrypted, not malformed).

The checks run on the staged file in a worker thread; each refusal says what is wrong
and what to do about it.
"""

from __future__ import annotations

import logging
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import PyPdfError

from ..errors import UnsupportedMediaType, ValidationFailed
from ..settings import Settings
from .active import TooComplex, active_content
from .rendering import pdfium_page_count, pdfium_page_sizes
from .uploads import StagedFile


@dataclass(frozen=True)
class FileKind:
    media_type: str
    extension: str
    label: str

    @property
    def is_pdf(self) -> bool:
        return self.media_type == "application/pdf"


PDF = FileKind("application/pdf", "pdf", "PDF")
DOCX = FileKind(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx", "DOCX"
)
XLSX = FileKind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx", "XLSX")
PNG = FileKind("image/png", "png", "PNG")
JPEG = FileKind("image/jpeg", "jpg", "JPEG")
KINDS = (PDF, DOCX, XLSX, PNG, JPEG)
BY_EXTENSION = {**{kind.extension: kind for kind in KINDS}, "jpeg": JPEG}
BY_MEDIA_TYPE = {kind.media_type: kind for kind in KINDS}

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
PDF_MAGIC = b"%PDF-"
# Readers accept the header anywhere in the first KiB; so do we, and no further.
PDF_HEADER_WINDOW = 1024
PDF_TAIL_WINDOW = 2048
NAME_LIMIT = 120
UNSAFE_NAME_CHARACTERS = re.compile(r'[<>:"|?*;\\/]')
# pypdf logs every repair it makes to a damaged file; the refusal says enough.
logging.getLogger("pypdf").setLevel(logging.ERROR)


POINTS_PER_CM = 72 / 2.54


@dataclass(frozen=True)
class PdfLimits:
    """What one PDF may cost the viewer: checked at upload, so that it is refused once with
    a reason instead of failing on every tablet."""

    max_pages: int = 2000
    max_page_points: int = 3370

    @classmethod
    def of(cls, settings: Settings) -> PdfLimits:
        return cls(settings.upload_max_pages, settings.upload_max_page_points)


@dataclass(frozen=True)
class CheckedFile:
    path: Path
    sha256: str
    size: int
    kind: FileKind
    filename: str
    page_count: int | None


def check_upload(staged: StagedFile, limits: PdfLimits) -> CheckedFile:
    """Decide what the staged file is and whether it may be kept (blocking: use a thread)."""
    name = clean_filename(staged.filename)
    kind = detect_kind(staged.path)
    name = _name_for(name, kind)
    pages = check_pdf(staged.path, limits) if kind.is_pdf else None
    return CheckedFile(
        path=staged.path,
        sha256=staged.sha256,
        size=staged.size,
        kind=kind,
        filename=name,
        page_count=pages,
    )


def clean_filename(raw: str) -> str:
    """A safe display and download name. A name that carries a path is refused outright:
    no browser sends one, so it is a forged or broken client."""
    name = unicodedata.normalize("NFC", raw)
    if "/" in name or "\\" in name or name.strip() in {".", ".."}:
        raise ValidationFailed(
            "The file name must not contain a path (/, \\ or ..): send the file's own name only."
        )
    name = "".join(c for c in name if not unicodedata.category(c).startswith("C"))
    name = UNSAFE_NAME_CHARACTERS.sub("_", name)
    name = " ".join(name.split()).lstrip(". ")
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    stem = stem[:NAME_LIMIT].rstrip(". ") or "document"
    return f"{stem}.{extension.lower()[:10]}" if extension else stem


def _name_for(name: str, kind: FileKind) -> str:
    stem, dot, extension = name.rpartition(".")
    claimed = BY_EXTENSION.get(extension.lower()) if dot else None
    if claimed is not None and claimed is not kind:
        raise UnsupportedMediaType(
            "The file's name says %(named)s but its content is %(found)s. Upload the right "
            "file, or correct its name.",
            named=claimed.label,
            found=kind.label,
        )
    if claimed is None:
        return f"{name}.{kind.extension}"
    return f"{stem}.{kind.extension}"


def detect_kind(path: Path) -> FileKind:
    with path.open("rb") as handle:
        head = handle.read(PDF_HEADER_WINDOW)
    if PDF_MAGIC in head:
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"PK\x03\x04"):
        kind = _office_kind(path)
        if kind is not None:
            return kind
    if head.startswith(OLE_MAGIC):
        raise UnsupportedMediaType(
            "This is an old-format or password-protected Office file (DOC, XLS, or an "
            "encrypted DOCX or XLSX). Save it as PDF, DOCX or XLSX without a password."
        )
    raise UnsupportedMediaType(
        "The file is not a PDF, DOCX, XLSX, PNG or JPEG: its content is something else, "
        "whatever its name says. Convert it to PDF and upload it again."
    )


def _office_kind(path: Path) -> FileKind | None:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names:
        return XLSX
    return None


def check_pdf(path: Path, limits: PdfLimits) -> int:
    """The page count of a PDF that both pypdf and PDFium open and that fits the limits;
    refuse any other."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        handle.seek(max(size - PDF_TAIL_WINDOW, 0))
        tail = handle.read()
    if b"%%EOF" not in tail:
        raise ValidationFailed(
            "The PDF is incomplete: it stops before its end marker, so it was probably cut "
            "off while copying or uploading. Upload the whole file again."
        )
    _check_page_count(_pypdf_pages(path), limits)
    # The tablets see pages rendered by PDFium: it must open the file too.
    pages = pdfium_page_count(path)
    if pages is None:
        raise ValidationFailed(
            "The PDF is malformed and cannot be read. Export it again from the original "
            "document and upload the new file."
        )
    _check_page_count(pages, limits)
    _check_page_sizes(path, limits)
    return pages


def _check_page_count(pages: int, limits: PdfLimits) -> None:
    if pages > limits.max_pages:
        raise ValidationFailed(
            "The PDF has %(pages)s pages; a document may have at most %(limit)s. Split it "
            "into several documents and upload them one by one.",
            pages=pages,
            limit=limits.max_pages,
        )


def _check_page_sizes(path: Path, limits: PdfLimits) -> None:
    for number, (width, height) in enumerate(
        pdfium_page_sizes(path, limits.max_pages) or [], start=1
    ):
        if max(width, height) > limits.max_page_points or min(width, height) < 1:
            raise ValidationFailed(
                "Page %(page)s measures %(width)s × %(height)s cm; a page may measure at most "
                "%(limit)s cm on its longest side (A0). Export the document at a usual paper "
                "size and upload it again.",
                page=number,
                width=_cm(width),
                height=_cm(height),
                limit=_cm(limits.max_page_points),
            )


def _cm(points: float) -> str:
    return f"{points / POINTS_PER_CM:.1f}"


def _refuse_active_content(reader: PdfReader) -> None:
    try:
        found = active_content(reader)
    except TooComplex:
        raise ValidationFailed(
            "The PDF is built of too many parts to be checked. Print it to a new PDF and "
            "upload that file."
        ) from None
    if found is not None:
        raise ValidationFailed(
            "The PDF contains active content (%(found)s). Meeting documents may not run code, "
            "start programs or act by themselves when opened. Print it to a new PDF (which "
            "leaves the active content out) and upload that file.",
            found=found,
        )


def _pypdf_pages(path: Path) -> int:
    try:
        reader = PdfReader(path, strict=False)
        if reader.is_encrypted:
            raise ValidationFailed(
                "The PDF is encrypted or password-protected, so members could not open it "
                "on their tablets. Remove the protection (save or print it as a new PDF) and "
                "upload it again."
            )
        pages = len(reader.pages)
        _refuse_active_content(reader)
    except PyPdfError as exc:
        raise ValidationFailed(
            "The PDF is malformed and cannot be read. Export it again from the original "
            "document and upload the new file."
        ) from exc
    except (ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError) as exc:
        # pypdf reports some structural damage as plain Python errors.
        raise ValidationFailed(
            "The PDF is malformed and cannot be read. Export it again from the original "
            "document and upload the new file."
        ) from exc
    if pages == 0:
        raise ValidationFailed("The PDF has no pages.")
    return pages
