"""The whole story in one command: `ecabinet demo --simulate` plays a session through a real
server's HTTP and websocket API, and its signed minutes pass every check of issue 7."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from datetime import date
from pathlib import Path

from .support.minutes_signing import pdfsig

NAMES = ("Trần Quốc Khải", "Nghiêm Thị Hồng Vân", "Quách Thị Minh Nguyệt", "Lường Văn Thuận")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_demo_simulate_ends_with_minutes_that_verify(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECABINET_")}
    data = tmp_path / "demo"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "ecabinet.cli",
            "demo",
            "--simulate",
            "--wait",
            "--pace",
            "0",
            "--port",
            str(free_port()),
            "--data-dir",
            str(data),
        ],
        input="\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].startswith("Room display: http://localhost:")
    assert "first enroll a passkey as the observer: http://localhost:" in lines[1]
    # --wait held the session until Enter: the prompt comes before the first step.
    assert lines.index("Open the room display, then press Enter to play the session.") < next(
        n for n, line in enumerate(lines) if line.startswith("1. ")
    )
    assert any("/ws: 25 ballots cast" in line for line in lines), run.stdout
    assert (
        "Signed by the secretary, then the chair (PAdES), each confirming the files "
        "with a passkey; verified."
    ) in run.stdout
    minutes, ca = data / "minutes-signed.pdf", data / "signing" / "ca.pem"
    assert f"Signed minutes: {minutes}" in lines

    signatures = pdfsig(minutes.read_bytes(), ca, tmp_path)
    assert signatures.count("Signature Validation: Signature is Valid.") == 2, signatures
    assert signatures.count("Certificate Validation: Certificate is Trusted.") == 2, signatures

    text = subprocess.run(
        ["pdftotext", "-raw", "-enc", "UTF-8", str(minutes), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for heading in ("BIÊN BẢN", "I. THÀNH PHẦN THAM DỰ", "V. KẾT LUẬN CỦA CHỦ TỌA"):
        assert heading in text.splitlines(), heading
    for name in NAMES:
        assert name in text, name
    # The conclusions' deadlines fall after the session, not months before it.
    year = date.today().year
    deadlines = re.findall(r"trước ngày (\d+) tháng (\d+) năm (\d+)", " ".join(text.split()))
    assert deadlines, text
    assert all(date(int(y), int(m), int(d)) > date.today() for d, m, y in deadlines)
    assert all(int(y) in (year, year + 1) for _d, _m, y in deadlines)

    verified = subprocess.run(
        [
            sys.executable,
            "-m",
            "ecabinet.cli",
            "minutes",
            "verify",
            str(minutes),
            "--trust",
            str(ca),
            "--keys",
            str(data / "key-register.pdf"),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert verified.returncode == 0, verified.stdout
    assert "KẾT QUẢ: ĐẠT" in verified.stdout
