"""The upload checks and HTTP range logic as plain functions."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from ecabinet.documents import checks, delivery
from ecabinet.errors import UnsupportedMediaType, ValidationFailed

from .support.packets import make_pdf


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Tờ trình.pdf", "Tờ trình.pdf"),
        (unicodedata.normalize("NFD", "Tờ trình.pdf"), "Tờ trình.pdf"),
        ("bad\x00name\x07\u202e.PDF", "badname.pdf"),
        ("a<b>c:d|e?f*g;h.docx", "a_b_c_d_e_f_g_h.docx"),
        ("...ẩn.pdf", "ẩn.pdf"),
        ("   ", "document"),
        ("x" * 300 + ".pdf", "x" * 120 + ".pdf"),
    ],
)
def test_file_names_are_made_safe(raw: str, clean: str) -> None:
    assert checks.clean_filename(raw) == clean


@pytest.mark.parametrize("raw", ["../x.pdf", "a/b.pdf", "..\\x.pdf", "..", "C:\\x.pdf"])
def test_file_names_with_a_path_are_refused(raw: str) -> None:
    with pytest.raises(ValidationFailed):
        checks.clean_filename(raw)


def test_content_decides_the_type(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(make_pdf())
    assert checks.detect_kind(path) is checks.PDF
    path.write_bytes(b"PK\x03\x04not really a zip")
    with pytest.raises(UnsupportedMediaType):
        checks.detect_kind(path)


@pytest.mark.parametrize(
    ("header", "size", "expected"),
    [
        (None, 100, None),
        ("bytes=0-9", 100, delivery.ByteRange(0, 10)),
        ("bytes=90-", 100, delivery.ByteRange(90, 100)),
        ("bytes=95-200", 100, delivery.ByteRange(95, 100)),
        ("bytes=-5", 100, delivery.ByteRange(95, 100)),
        ("bytes=-500", 100, delivery.ByteRange(0, 100)),
        ("bytes=0-1,5-6", 100, None),
        ("items=0-1", 100, None),
    ],
)
def test_ranges(header: str | None, size: int, expected: delivery.ByteRange | None) -> None:
    assert delivery.parse_range(header, size) == expected


@pytest.mark.parametrize("header", ["bytes=100-", "bytes=5-2", "bytes=-0"])
def test_unsatisfiable_ranges(header: str) -> None:
    with pytest.raises(delivery.Unsatisfiable):
        delivery.parse_range(header, 100)


def test_if_none_match_is_a_weak_comparison() -> None:
    assert delivery.etag_matches('W/"abc", "def"', '"abc"')
    assert delivery.etag_matches("*", '"abc"')
    assert not delivery.etag_matches('"abd"', '"abc"')


def test_download_names_survive_in_both_header_forms() -> None:
    header = delivery.disposition('Tờ "trình".pdf', attachment=True)
    assert header.startswith('attachment; filename="T? _trình_.pdf"'.replace("trình", "tr?nh"))
    assert header.endswith("filename*=UTF-8''T%E1%BB%9D%20%22tr%C3%ACnh%22.pdf")
