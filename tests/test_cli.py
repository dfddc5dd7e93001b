"""The `ecabinet` command as an operator uses it."""

from __future__ import annotations

import calendar
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest

from ecabinet.cli import main


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("ECABINET_DATABASE_URL", "ECABINET_DATA_DIR", "ECABINET_ORIGIN"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_demo_builds_a_government_and_audit_verify_catches_tampering(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--no-serve"]) == 0
    printed = capsys.readouterr().out
    links = [line for line in printed.splitlines() if "/enroll/" in line]
    assert len(links) == 27 + 2 + 1
    assert "Thủ tướng Chính phủ" in links[0]
    # Each link says which role's device should open it.
    assert links[0].split()[0] == "chair"
    assert [line.split()[0] for line in links].count("member") == 26
    assert links[-1].split()[0] == "observer"
    database = workdir / "ecabinet-demo" / "ecabinet.db"
    with sqlite3.connect(database) as connection:
        members = connection.execute(
            "SELECT count(*) FROM membership WHERE role IN ('chair', 'member')"
        ).fetchone()[0]
        items = connection.execute("SELECT count(*) FROM agenda_item").fetchone()[0]
        versions = connection.execute("SELECT count(*) FROM document_version").fetchone()[0]
    assert members == 27
    with sqlite3.connect(database) as connection:
        title, title_en, starts = connection.execute(
            "SELECT title, title_en, starts_at FROM meeting"
        ).fetchone()
    # The regular session is named for the month it is held in (Hanoi time, 08:30).
    month = datetime.fromisoformat(str(starts)).month
    assert title.endswith(f"tháng {month}")
    assert title_en.endswith(calendar.month_name[month])
    assert 6 <= items <= 10
    assert versions >= items

    with pytest.MonkeyPatch.context() as patch:
        # audit verify finds the demo database through the environment, as an operator would.
        patch.setenv("ECABINET_DATA_DIR", str(workdir / "ecabinet-demo"))
        assert main(["audit", "verify"]) == 0
        assert "Audit chain intact" in capsys.readouterr().out
        with sqlite3.connect(database) as connection:
            # As the owner of the file could: drop the guard, then forge.
            connection.execute("DROP TRIGGER audit_event_no_update")
            connection.execute(
                'UPDATE audit_event SET data = \'{"title": "forged"}\' '
                "WHERE kind = 'meeting.created'"
            )
        assert main(["audit", "verify"]) == 1
        report = capsys.readouterr().out
        assert "BROKEN" in report and "meeting.created" in report


def test_demo_runs_again_over_its_own_database(workdir: Path) -> None:
    assert main(["demo", "--no-serve"]) == 0
    assert main(["demo", "--no-serve"]) == 0


def test_demo_refuses_to_overwrite_a_real_database(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ECABINET_DATA_DIR", str(workdir / "ecabinet-demo"))
    assert main(["db", "upgrade"]) == 0
    assert main(["body", "create", "ubnd-tinh", "Ủy ban nhân dân tỉnh"]) == 0
    assert main(["demo", "--no-serve"]) == 2
    assert "not an e-Cabinet demo" in capsys.readouterr().err
    with sqlite3.connect(workdir / "ecabinet-demo" / "ecabinet.db") as connection:
        assert connection.execute("SELECT slug FROM body").fetchall() == [("ubnd-tinh",)]


def test_operator_commands(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ECABINET_DATA_DIR", str(workdir / "data"))
    assert main(["db", "upgrade"]) == 0
    assert main(["body", "create", "hdqt", "Hội đồng quản trị", "--name-en", "Board"]) == 0
    assert (
        main(
            [
                "member",
                "add",
                "hdqt",
                "Nguyễn Thị Mai",
                "--role",
                "chair",
                "--title",
                "Chủ tịch",
                "--email",
                "mai@example.org",
            ]
        )
        == 0
    )
    assert main(["member", "invite", "1"]) == 0
    out = capsys.readouterr().out
    assert "Created body hdqt" in out
    assert "http://localhost:8000/enroll/" in out
    assert main(["body", "create", "hdqt", "Again"]) == 2
    assert "already exists" in capsys.readouterr().err
    assert main(["member", "invite", "99"]) == 2
    assert main(["audit", "verify"]) == 0
