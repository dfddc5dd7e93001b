"""The reading room: search latency over the demo plus generated documents, and the time to
the first page of a 200-page PDF in the book.

Everything runs in one process against the real app through httpx's ASGI transport (no
network), on a fresh SQLite database in a temporary directory, or on PostgreSQL with
``--postgres URL`` (a database the script may fill; it must be empty). It stops by itself.

1. Search: the demo Government, then ``--documents`` more documents (1 to 3 A4 pages of
   Vietnamese text, real PDFs through the upload checks) in past meetings of the same body.
   They are indexed first (timed separately); then each query is asked ``--repeat`` times
   through ``GET /api/search`` by a minister: median and 95th percentile.
2. First page: a 200-page draft is added to the demo meeting; a cold server cache, then
   ``GET /meetings/{id}/book?document=...`` (the page), page 1's PNG (1200 px) and page 1's
   text layer, one after another as the tablet asks for them: the sum is the time until the
   member sees the first page with selectable text. Repeated on a fresh PDF each time.

    python bench/bench_reader.py [--documents 2000] [--repeat 20] [--postgres URL]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

QUERIES = (
    "thue",
    "nghi dinh",
    "giai ngan von dau tu cong",
    "chuyen doi so",
    "nha o xa hoi",
    "khoi nghiep sang tao",
    "bao so 4",
    "dinh muc",
    "quy IV",
    "khong tim thay gi",
)
SENTENCES = [
    sentence
    for item in __import__("ecabinet.demo.government", fromlist=["AGENDA"]).AGENDA
    for document in item.documents
    for sentence in document.body
]


def generated_pdf(rng: random.Random, title: str) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    from ecabinet.pdf.fonts import register_fonts

    register_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    for _ in range(rng.randint(1, 3)):
        y = 800.0
        canvas.setFont("Serif-Bold", 13)
        canvas.drawString(60, y, title[:80])
        canvas.setFont("Serif", 11)
        for sentence in rng.sample(SENTENCES, 8):
            words, line = sentence.split(), ""
            for word in words:
                if len(line) + len(word) > 85:
                    y -= 16
                    canvas.drawString(60, y, line)
                    line = ""
                line = f"{line} {word}".strip()
            y -= 24
            canvas.drawString(60, y, line)
            if y < 80:
                break
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def long_pdf(pages: int) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    from ecabinet.pdf.fonts import register_fonts

    register_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    for number in range(1, pages + 1):
        canvas.setFont("Serif", 11)
        for row in range(45):
            canvas.drawString(60, 800 - row * 16, SENTENCES[(number + row) % len(SENTENCES)][:90])
        canvas.drawString(280, 30, f"Trang {number}/{pages}")
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


async def add_documents(
    db,
    settings,
    body,
    meeting_count: int,
    count: int,  # type: ignore[no-untyped-def]
    rng: random.Random,
) -> None:
    from ecabinet.actions.agenda import add_item
    from ecabinet.actions.documents import add_version, create_document
    from ecabinet.actions.meetings import create_meeting, publish_meeting
    from ecabinet.documents.checks import PdfLimits, check_upload
    from ecabinet.documents.storage import store_for
    from ecabinet.documents.uploads import staged_bytes
    from ecabinet.models import utcnow
    from ecabinet.vocab import Classification, ItemKind

    store = store_for(settings.database_url, settings.data_dir)
    per_meeting = max(1, count // meeting_count)
    made = 0
    for number in range(meeting_count):
        async with db.transaction() as tx:
            meeting = await create_meeting(
                tx,
                actor_id=None,
                body=body,
                title=f"Phiên họp thường kỳ số {number + 1}",
                starts_at=utcnow() + timedelta(days=30 + number),
            )
            item = None
            for index in range(per_meeting):
                if made >= count:
                    break
                if index % 10 == 0:
                    item = await add_item(
                        tx,
                        actor_id=None,
                        meeting=meeting,
                        title=f"Nội dung {index // 10 + 1}",
                        kind=ItemKind.DECISION,
                    )
                level = rng.choice(
                    [Classification.PUBLIC, Classification.INTERNAL, Classification.MAT]
                )
                title = f"Tài liệu số {made + 1}: {rng.choice(SENTENCES)[:60]}"
                document = await create_document(
                    tx,
                    actor_id=None,
                    body=body,
                    item=item,
                    title=title,
                    classification=level,
                    basis="Danh mục bí mật nhà nước" if level >= Classification.MAT else "",
                )
                pdf = generated_pdf(rng, title)
                with staged_bytes(pdf, f"tl-{made}.pdf", settings.upload_dir) as staged:
                    await add_version(
                        tx,
                        store,
                        actor_id=None,
                        document=document,
                        checked=check_upload(staged, PdfLimits.of(settings)),
                    )
                made += 1
            await publish_meeting(tx, actor_id=None, meeting=meeting)


async def timed(client, url: str) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    response = await client.get(url)
    elapsed = time.perf_counter() - start
    assert response.status_code == 200, (url, response.status_code, response.text[:200])
    return elapsed, len(response.content)


async def run(args: argparse.Namespace) -> None:
    import httpx
    from sqlmodel import select

    from ecabinet.app import create_app
    from ecabinet.auth.logins import start_login
    from ecabinet.db import Database
    from ecabinet.demo.seed import seed_government
    from ecabinet.documents import rendering, textlayer
    from ecabinet.documents.storage import store_for
    from ecabinet.migrate import upgrade
    from ecabinet.models import Body, Meeting, Person, SearchEntry
    from ecabinet.search import index
    from ecabinet.settings import load_settings

    rng = random.Random(17)
    with tempfile.TemporaryDirectory() as temp:
        url = args.postgres or f"sqlite+aiosqlite:///{temp}/bench.db"
        settings = load_settings(
            environ={},
            data_dir=temp,
            database_url=url,
            origin="http://localhost:8000",
            session_secret="bench-" + "x" * 40,
        )
        db = Database(settings.database_url)
        await upgrade(db.engine)
        async with db.transaction() as tx:
            await seed_government(tx, settings)
            body = (await tx.session.exec(select(Body))).one()
            demo_meeting = (await tx.session.exec(select(Meeting))).one()
            minister = (
                await tx.session.exec(
                    select(Person).where(Person.full_name == "Lưu Thị Thanh Hương")
                )
            ).one()
            token = await start_login(tx.session, minister, credential_id=None, fresh_minutes=600)
        started = time.perf_counter()
        await add_documents(db, settings, body, max(1, args.documents // 100), args.documents, rng)
        generated = time.perf_counter() - started
        store = store_for(settings.database_url, settings.data_dir)
        started = time.perf_counter()
        await index.catch_up(db, store)
        indexing = time.perf_counter() - started
        async with db.read() as session:
            entries = len((await session.exec(select(SearchEntry.id))).all())
        app = create_app(settings, db=db)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url=settings.origin, cookies={"ecab_session": token}
        ) as client:
            print(
                f"# e-Cabinet reader bench · {platform.platform()} · "
                f"{'PostgreSQL' if args.postgres else 'SQLite'}"
            )
            print(
                f"generated {args.documents} documents in {generated:.1f} s; indexed "
                f"{entries} entries (pages, comments, conclusions) in {indexing:.1f} s"
            )
            print("\nquery                         hits   median ms   p95 ms")
            everything = []
            for query in QUERIES:
                times = []
                hits = 0
                for _ in range(args.repeat):
                    elapsed, _size = await timed(client, f"/api/search?q={query}")
                    times.append(elapsed * 1000)
                response = await client.get(f"/api/search?q={query}")
                hits = len(response.json()["hits"])
                times.sort()
                everything += times
                print(
                    f"{query:<30}{hits:>5}{statistics.median(times):>12.1f}"
                    f"{times[int(len(times) * 0.95) - 1]:>9.1f}"
                )
            everything.sort()
            print(
                f"{'all queries':<35}{statistics.median(everything):>12.1f}"
                f"{everything[int(len(everything) * 0.95) - 1]:>9.1f}"
            )

            print("\n200-page PDF, time to the first page with its text layer (cold cache)")
            print("run   page ms   png ms   text ms   total ms")
            totals = []
            for run_number in range(args.first_page_runs):
                document_id = await add_long_document(db, settings, body, demo_meeting, run_number)
                rendering.PAGES.__init__()  # type: ignore[misc]
                textlayer.TEXTS.__init__()  # type: ignore[misc]
                async with db.read() as session:
                    from ecabinet.models import DocumentVersion

                    version = (
                        await session.exec(
                            select(DocumentVersion).where(
                                DocumentVersion.document_id == document_id
                            )
                        )
                    ).one()
                book, _ = await timed(
                    client, f"/meetings/{demo_meeting.id}/book?document={document_id}"
                )
                png, _ = await timed(client, f"/api/versions/{version.id}/pages/1.png?w=1200")
                text, _ = await timed(client, f"/api/versions/{version.id}/pages/1/text.json")
                total = book + png + text
                totals.append(total * 1000)
                print(
                    f"{run_number + 1:>3}{book * 1000:>10.0f}{png * 1000:>9.0f}"
                    f"{text * 1000:>10.0f}{total * 1000:>11.0f}"
                )
            print(f"median total: {statistics.median(totals):.0f} ms")
        await db.dispose()


async def add_long_document(db, settings, body, meeting, number: int) -> int:  # type: ignore[no-untyped-def]
    from ecabinet.actions.documents import add_version, create_document
    from ecabinet.documents.checks import PdfLimits, check_upload
    from ecabinet.documents.storage import store_for
    from ecabinet.documents.uploads import staged_bytes
    from ecabinet.models import AgendaItem
    from ecabinet.vocab import Classification

    store = store_for(settings.database_url, settings.data_dir)
    async with db.transaction() as tx:
        from sqlmodel import select

        item = (
            await tx.session.exec(select(AgendaItem).where(AgendaItem.meeting_id == meeting.id))
        ).first()
        document = await create_document(
            tx,
            actor_id=None,
            body=body,
            item=item,
            title=f"Phụ lục 200 trang số {number + 1}",
            classification=Classification.INTERNAL,
        )
        pdf = long_pdf(200) + f"\n% run {number}\n".encode()  # a new file each run
        with staged_bytes(pdf, f"phu-luc-{number}.pdf", settings.upload_dir) as staged:
            await add_version(
                tx,
                store,
                actor_id=None,
                document=document,
                checked=check_upload(staged, PdfLimits.of(settings)),
            )
        assert document.id is not None
        return document.id


def main() -> None:
    import logging

    logging.getLogger("httpx").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--documents", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--first-page-runs", type=int, default=5)
    parser.add_argument("--postgres", default="")
    asyncio.run(asyncio.wait_for(run(parser.parse_args()), timeout=1800))


if __name__ == "__main__":
    main()
