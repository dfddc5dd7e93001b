"""The signed minutes and the conclusion notice are PDF/A-3b, checked property by property
with pikepdf (qpdf): veraPDF, the reference validator, is a Java program that neither
Debian nor PyPI packages, so it cannot be installed here."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pikepdf
import pytest

from ecabinet.actions.minutes_drafts import make_drafts
from ecabinet.db import Database
from ecabinet.minutes.ca import DemoSigning, prepare_demo_signing
from ecabinet.minutes.collect import collect
from ecabinet.minutes.render import CHAIR_FIELD, SECRETARY_FIELD
from ecabinet.minutes.sign import sign_pdf
from ecabinet.settings import Settings

from .support.minutes import build_closed_session

APPROVAL = "ecabinet-approval.json"


@pytest.fixture
async def signed_documents(db: Database, settings: Settings, tmp_path: Path) -> dict[str, bytes]:
    session = await build_closed_session(db, settings)
    async with db.read() as read:
        record = await collect(
            read,
            settings,
            session.meeting_id,
            secretary_membership_id=session.secretary_membership_id,
        )
    drafts = make_drafts(record, "vi")
    signing = prepare_demo_signing(
        tmp_path / "signing",
        secretary_name="Nghiêm Thị Hồng Vân",
        chair_name="Trần Quốc Khải",
        organization="Chính phủ",
    )
    return {
        "minutes": await signed(drafts.minutes, signing, approval=True),
        "notice": await signed(drafts.notice, signing, approval=False),
    }


async def signed(draft: bytes, signing: DemoSigning, *, approval: bool) -> bytes:
    once = await sign_pdf(
        draft,
        field=SECRETARY_FIELD,
        key=signing.secretary,
        attachments={APPROVAL: b'{"approved": true}'} if approval else None,
    )
    return await sign_pdf(once, field=CHAIR_FIELD, key=signing.chair)


def fonts_in(resources: Any, seen: set[tuple[int, int]]) -> list[Any]:
    """Every font a content stream can name, through form XObjects (the signature
    appearances) and Type 0 fonts' descendants."""
    found: list[Any] = []
    if resources is None:
        return found
    for font in dict(resources.get("/Font", {})).values():
        found += list(font.DescendantFonts) if font.Subtype == "/Type0" else [font]
    for xobject in dict(resources.get("/XObject", {})).values():
        if xobject.objgen in seen or xobject.get("/Subtype") != "/Form":
            continue
        seen.add(xobject.objgen)
        found += fonts_in(xobject.get("/Resources"), seen)
    return found


def annotation_appearances(pdf: pikepdf.Pdf) -> list[Any]:
    return [annot for page in pdf.pages for annot in page.get("/Annots", [])]


@pytest.mark.parametrize("kind", ["minutes", "notice"])
async def test_the_signed_document_has_the_pdf_a_3b_properties(
    signed_documents: dict[str, bytes],
    kind: str,
) -> None:
    data = signed_documents[kind]
    assert data.startswith(b"%PDF-1.")  # PDF/A-3 is based on PDF 1.7
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert pdf.check_pdf_syntax() == []
        assert "/Encrypt" not in pdf.trailer and len(pdf.trailer.ID) == 2
        assert "/Info" not in pdf.trailer  # the XMP alone: nothing to disagree with it

        # XMP: the part and conformance, in an unfiltered metadata stream.
        assert "/Filter" not in pdf.Root.Metadata
        metadata = pdf.open_metadata()
        assert (metadata["pdfaid:part"], metadata["pdfaid:conformance"]) == ("3", "B")
        assert metadata["dc:title"].startswith("Biên bản" if kind == "minutes" else "Thông báo")

        # An sRGB output intent with its ICC profile.
        [intent] = pdf.Root.OutputIntents
        assert intent.S == "/GTS_PDFA1"
        profile = intent.DestOutputProfile
        icc = profile.read_bytes()
        assert profile.N == 3 and icc[36:40] == b"acsp" and icc[16:20] == b"RGB "

        # Every font used anywhere (pages and signature appearances) is embedded.
        seen: set[tuple[int, int]] = set()
        page_fonts = [f for page in pdf.pages for f in fonts_in(page.get("/Resources"), seen)]
        stamp_fonts = [
            f
            for annot in annotation_appearances(pdf)
            for f in fonts_in(annot.AP.N.get("/Resources"), seen)
        ]
        assert len([a for a in annotation_appearances(pdf) if "/AP" in a]) == 2
        assert page_fonts and stamp_fonts
        for font in page_fonts + stamp_fonts:
            assert "LiberationSerif" in str(font.BaseFont)
            assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(font.FontDescriptor.keys()), (
                font.BaseFont
            )

        # Each annotation prints, with an appearance (the two signature widgets).
        for annot in annotation_appearances(pdf):
            assert int(annot.F) & 4 and not int(annot.F) & (1 | 2 | 32)
            assert "/N" in annot.AP

        # Each embedded file is an associated file of the document, with its relationship.
        names_tree = list(pdf.Root.Names.EmbeddedFiles.Names)
        specs = names_tree[1::2]
        expected = {
            "minutes": {"ecabinet-evidence.json", APPROVAL},
            "notice": {"ecabinet-notice.json"},
        }[kind]
        assert {str(s.UF) for s in specs} == expected
        associated = {s.objgen for s in pdf.Root.AF}
        for spec in specs:
            assert spec.AFRelationship == "/Data" and spec.objgen in associated
            stream = spec.EF.F
            assert stream.Subtype == "/application/json" and "/ModDate" in stream.Params
