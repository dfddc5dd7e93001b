"""The minutes read like a Government record (Decree 30/2020/NĐ-CP) and say what happened:
number, place and date, page numbers, recipients; the same item numbers in the minutes and
the notice; no heading or table caption left alone at a page foot; a written poll closed
early says so and why; the audit head printed is the event that closed the session, and
``ecabinet audit verify --at`` confirms it."""

from __future__ import annotations

import re
import subprocess
from datetime import timedelta
from pathlib import Path

import anyio
import pytest
from sqlmodel import col, select

from ecabinet import audit
from ecabinet.actions.minutes_drafts import make_drafts
from ecabinet.cli import main
from ecabinet.db import Database
from ecabinet.minutes.collect import collect
from ecabinet.minutes.record import MinutesRecord
from ecabinet.models import AuditEvent, Meeting, Poll, PollQuestion
from ecabinet.settings import Settings

from .support.minutes import ClosedSession, build_closed_session


async def record_of(db: Database, settings: Settings, session: ClosedSession) -> MinutesRecord:
    async with db.read() as read:
        return await collect(
            read,
            settings,
            session.meeting_id,
            secretary_membership_id=session.secretary_membership_id,
        )


def pages_of(pdf: bytes, tmp_path: Path) -> list[list[str]]:
    """Each page's lines as pdftotext reads them, the footer ("Số: … · x/y") left out."""
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return [
        [line.strip() for line in page.splitlines() if line.strip() and " · " not in line]
        for page in text.split("\f")[:-1]
    ]


@pytest.fixture
async def session(db: Database, settings: Settings) -> ClosedSession:
    return await build_closed_session(db, settings)


async def test_the_minutes_and_the_notice_carry_number_place_date_pages_and_recipients(
    db: Database,
    settings: Settings,
    session: ClosedSession,
    tmp_path: Path,
) -> None:
    drafts = make_drafts(await record_of(db, settings, session), "vi")
    minutes = pages_of(drafts.minutes, tmp_path)
    first = " ".join(minutes[0])
    assert "Số: 09/BB-CP" in first
    assert re.search(r"Hà Nội, ngày \d\d tháng (0[12]|1[0-2]|[3-9]) năm 20\d\d", first)
    assert not minutes[0][0].isdigit()  # no page number on the first page
    for number, page in enumerate(minutes[1:], start=2):
        assert page[0] == str(number)  # at the top centre from the second page
    last = " ".join(minutes[-1])
    assert "Nơi nhận:" in last and "- Lưu: VT, Thư ký phiên họp." in last
    assert last.index("THƯ KÝ") < last.index("CHỦ TỌA") < last.index("Nơi nhận:")

    notice = " ".join(" ".join(page) for page in pages_of(drafts.notice, tmp_path))
    assert "VĂN PHÒNG CHÍNH PHỦ" in notice and "Số: 09/TB-VPCP" in notice
    assert "TL. THỦ TƯỚNG VỤ TRƯỞNG VỤ TỔNG HỢP" in notice and "Nơi nhận:" in notice


async def test_items_keep_their_numbers_in_the_minutes_and_the_notice(
    db: Database,
    settings: Settings,
    session: ClosedSession,
    tmp_path: Path,
) -> None:
    record = await record_of(db, settings, session)
    drafts = make_drafts(record, "vi")
    minutes = " ".join(" ".join(p) for p in pages_of(drafts.minutes, tmp_path))
    notice = " ".join(" ".join(p) for p in pages_of(drafts.notice, tmp_path))
    assert [i.ordinal for i in record.debated_items] == [3, 4, 5]
    for item in (*record.consent_items, *record.debated_items):
        numbered = f"{item.ordinal}. {item.title.split()[0]} {item.title.split()[1]}"
        assert numbered in minutes and numbered in notice, numbered


async def test_no_heading_or_caption_is_left_alone_at_a_page_foot(
    db: Database,
    settings: Settings,
    tmp_path: Path,
) -> None:
    big = await build_closed_session(db, settings, big=True)
    record = await record_of(db, settings, big)
    pages = pages_of(make_drafts(record, "vi").minutes, tmp_path)
    assert len(pages) > 10
    headings = [f"{item.ordinal}. {item.title}" for item in record.debated_items]
    headings += [f"Biểu quyết số {n} (" for n in range(1, len(record.votes) + 1)]
    for number, page in enumerate(pages[:-1], start=1):
        foot = page[-1]
        assert not foot.startswith("Kết quả biểu quyết của từng thành viên"), number
        assert not re.match(r"^[IVX]+\. [A-ZĐÀ-Ỹ ]+$", foot), (number, foot)
        assert not any(h.startswith(foot) or foot.startswith(h) for h in headings), (number, foot)
        assert foot not in ("STT Thành viên Biểu quyết Mã phiếu", "Mã phiếu"), number


async def test_a_written_poll_closed_early_says_so_and_lists_no_one_as_not_taking_part(
    db: Database,
    settings: Settings,
    session: ClosedSession,
    tmp_path: Path,
) -> None:
    poll_id, question_id = session.votes["written"]
    async with db.transaction() as tx:
        poll = await tx.session.get(Poll, poll_id)
        question = await tx.session.get(PollQuestion, question_id)
        assert poll is not None and question is not None and poll.closed_at is not None
        poll.deadline = poll.closed_at + timedelta(days=3)
        question.outcome = {**(question.outcome or {}), "early": True}
        tx.session.add_all([poll, question])
    text = " ".join(
        " ".join(p)
        for p in pages_of(
            make_drafts(await record_of(db, settings, session), "vi").minutes, tmp_path
        )
    )
    written = text[text.index("IV. KẾT QUẢ LẤY Ý KIẾN") : text.index("V. KẾT LUẬN")]
    assert "Kết thúc sớm lúc" in written and "trước thời hạn" in written
    assert "không ý kiến nào gửi sau có thể làm thay đổi kết quả" in written
    assert written.count("Chưa trả lời khi kết thúc sớm") == 4  # 27 asked, 23 answered
    assert "Không tham gia biểu quyết" not in written


async def _timed(db: Database, poll_id: int, *, after_close: timedelta) -> None:
    async with db.transaction() as tx:
        poll = await tx.session.get(Poll, poll_id)
        assert poll is not None and poll.closed_at is not None
        poll.deadline = poll.closed_at + after_close
        tx.session.add(poll)


async def test_a_timed_vote_says_whether_it_closed_itself_or_the_chair_closed_it(
    db: Database,
    settings: Settings,
    session: ClosedSession,
    tmp_path: Path,
) -> None:
    poll_id, _ = session.votes["open"]

    def text(pdf: bytes) -> str:
        return " ".join(" ".join(p) for p in pages_of(pdf, tmp_path))

    untimed = text(make_drafts(await record_of(db, settings, session), "vi").minutes)
    assert "Biểu quyết có thời hạn" not in untimed
    await _timed(db, poll_id, after_close=timedelta(0))
    closed_itself = text(make_drafts(await record_of(db, settings, session), "vi").minutes)
    assert closed_itself.count("Biểu quyết có thời hạn: nhận phiếu đến") == 1
    assert "hết giờ tự kết thúc" in closed_itself
    await _timed(db, poll_id, after_close=timedelta(minutes=5))
    by_chair = text(make_drafts(await record_of(db, settings, session), "en").minutes)
    assert by_chair.count("A timed vote until") == 1
    assert "closed by the chair earlier" in by_chair


async def cli(*argv: str) -> int:
    return await anyio.to_thread.run_sync(main, list(argv))


async def test_the_audit_head_printed_is_the_close_and_the_command_confirms_it(
    db: Database,
    settings: Settings,
    session: ClosedSession,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    async with db.transaction() as tx:
        closing = (
            await tx.session.exec(select(AuditEvent).where(AuditEvent.kind == "meeting.closed"))
        ).one()
        # As the real close does it: the meeting's closing time is taken just before its
        # audit event is written; the secretariat's later edits come after.
        meeting = await tx.session.get(Meeting, session.meeting_id)
        assert meeting is not None
        meeting.closed_at = closing.at - timedelta(milliseconds=1)
        tx.session.add(meeting)
        await audit.record(tx.session, "minutes.item_edited", subject="item:1")
    record = await record_of(db, settings, session)
    assert (record.audit_head.seq, record.audit_head.hash) == (closing.seq, closing.hash)
    text = " ".join(" ".join(p) for p in pages_of(make_drafts(record, "vi").minutes, tmp_path))
    printed = text.replace(" ", "")  # the hash may wrap at the end of a line
    assert f"(sựkiệnsố{closing.seq}):{closing.hash}" in printed

    monkeypatch.setenv("ECABINET_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("ECABINET_DATA_DIR", str(tmp_path / "data"))
    capsys.readouterr()
    assert await cli("audit", "verify", "--at", str(closing.seq), "--hash", closing.hash) == 0
    out = capsys.readouterr().out
    assert f"intact up to event #{closing.seq}" in out and "equals the hash given" in out
    assert await cli("audit", "verify", "--at", str(closing.seq), "--hash", "0" * 64) == 1
    assert "does NOT equal" in capsys.readouterr().out
    async with db.read() as read:
        last = (
            await read.exec(select(AuditEvent.seq).order_by(col(AuditEvent.seq).desc()))
        ).first()
    assert last is not None and last > closing.seq
    assert await cli("audit", "verify", "--at", str(last + 5)) == 1
    assert f"event #{last + 5} is not in the log" in capsys.readouterr().out
