"""A member's hostile file cannot stall the others' pages nor the server's memory."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from ..support.hostile_files import javascript_pdf, many_pages_pdf, tall_pages_pdf
from .conftest import RSS_BUDGET_KB, Target

TOO_SLOW = (
    "This file takes longer than 3 seconds to process, so it was stopped. Ask the "
    "secretariat to export a simpler PDF (for example print it to PDF again)."
)


def test_a_slow_page_is_stopped_while_another_members_pages_are_answered(target: Target) -> None:
    rss_before = target.rss_kb()
    hostile, ordinary = target.members["member"].client, target.members["chair"].client
    slow = target.pages["slow"].replace("{n}", "1")
    with ThreadPoolExecutor(max_workers=5) as pool:
        attacks = [
            pool.submit(hostile.get, slow, params={"w": str(width)})
            for width in (600, 900, 1200, 1600)
        ]
        time.sleep(0.5)  # the first attack holds a worker
        started = time.monotonic()
        pages = [
            ordinary.get(target.pages["ordinary"].replace("{n}", str(n))) for n in (1, 2, 3, 4)
        ]
        answered_in = time.monotonic() - started
        refused = [attack.result() for attack in attacks]
    assert [page.status_code for page in pages] == [200] * 4
    assert all(page.content.startswith(b"\x89PNG") for page in pages)
    # Generous: four pages drawn by the free worker, not queued behind the 3 s attacks.
    assert answered_in < 30, answered_in
    assert [r.status_code for r in refused] == [422] * 4
    assert {r.json()["detail"] for r in refused} == {TOO_SLOW}
    again = hostile.get(slow, params={"w": "600"})
    assert (again.status_code, again.json()["detail"]) == (422, TOO_SLOW)
    assert target.rss_kb() - rss_before < RSS_BUDGET_KB


def test_pages_too_large_or_too_many_are_refused_at_upload(target: Target) -> None:
    secretariat = target.members["secretariat"]
    cases = {
        "tall": (
            tall_pages_pdf(),
            "Page 1 measures 3.5 × 508.0 cm; a page may measure at most "
            "118.9 cm on its longest side (A0). Export the document at a usual paper "
            "size and upload it again.",
        ),
        "long": (
            many_pages_pdf(501),
            "The PDF has 501 pages; a document may have at most "
            "500. Split it into several documents and upload them one by one.",
        ),
        "script": (
            javascript_pdf(),
            "The PDF contains active content (/JavaScript). Meeting "
            "documents may not run code, start programs or act by themselves when "
            "opened. Print it to a new PDF (which leaves the active content out) and "
            "upload that file.",
        ),
    }
    document = target.documents["ordinary"]
    for name, (data, message) in cases.items():
        refused = secretariat.client.post(
            f"/api/documents/{document}/versions",
            headers=secretariat.csrf,
            files={"file": (f"{name}.pdf", data, "application/pdf")},
            data={"note": "Bản sửa"},
        )
        assert (refused.status_code, refused.json()["detail"]) == (422, message), name


def test_a_classified_download_is_bounded_in_pages(target: Target) -> None:
    refused = target.members["member"].client.get(target.files["long-classified"])
    assert refused.status_code == 422
    assert refused.json()["detail"] == (
        "This classified document has 21 pages; a stamped copy can be made of at most 20 "
        "pages at a time. Read it page by page in the viewer, or ask the secretariat for "
        "the document in shorter parts."
    )
    page = target.members["member"].client.get(target.pages["long-classified"].replace("{n}", "21"))
    assert page.status_code == 200 and page.content.startswith(b"\x89PNG")
