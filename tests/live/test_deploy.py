"""What deploy/ ships must match the code: the environment file names real settings, the
units start the real command, nginx upgrades /ws."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ecabinet.cli import main
from ecabinet.settings import SETTINGS

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def test_the_environment_file_names_only_real_settings() -> None:
    text = (DEPLOY / "ecabinet.env.example").read_text()
    named = set(re.findall(r"^(ECABINET_[A-Z_]+)=", text, flags=re.MULTILINE))
    assert named <= {s.env for s in SETTINGS}
    assert {
        "ECABINET_DATABASE_URL",
        "ECABINET_ORIGIN",
        "ECABINET_SESSION_SECRET",
        "ECABINET_WS_HEARTBEAT_SECONDS",
    } <= named


def test_systemd_runs_one_process_per_port_after_the_migrations() -> None:
    unit = (DEPLOY / "ecabinet@.service").read_text()
    assert "ecabinet serve --host 127.0.0.1 --port %i" in unit
    assert "EnvironmentFile=/etc/ecabinet/ecabinet.env" in unit
    assert "ecabinet db upgrade" in (DEPLOY / "ecabinet-migrate.service").read_text()
    ports = re.findall(r"ecabinet@(\d+)\.service", (DEPLOY / "ecabinet.target").read_text())
    nginx = (DEPLOY / "nginx.conf").read_text()
    assert ports and all(f"server 127.0.0.1:{port}" in nginx for port in ports)


def test_nginx_terminates_tls_and_upgrades_the_websocket() -> None:
    nginx = (DEPLOY / "nginx.conf").read_text()
    assert "listen 443 ssl" in nginx and "ssl_certificate " in nginx
    ws = nginx[nginx.index("location = /ws") :]
    assert "proxy_set_header Upgrade $http_upgrade" in ws
    assert "proxy_set_header Connection $connection_upgrade" in ws


def test_several_processes_on_sqlite_are_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ECABINET_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("ECABINET_DATABASE_URL", raising=False)
    assert main(["serve", "--workers", "2"]) == 2
    assert "need PostgreSQL" in capsys.readouterr().err


def test_nginx_spreads_requests_apart_from_the_websockets() -> None:
    """least_conn counts open connections: with the websockets in the same group, the
    process holding the fewest tablets would receive nearly every ballot."""
    nginx = (DEPLOY / "nginx.conf").read_text()
    requests = nginx[nginx.index("upstream ecabinet {") : nginx.index("upstream ecabinet_ws {")]
    sockets = nginx[nginx.index("upstream ecabinet_ws {") : nginx.index("map $http_upgrade")]
    assert "least_conn;" not in requests and "least_conn;" in sockets
    ws = nginx[nginx.index("location = /ws") :]
    assert "proxy_pass http://ecabinet_ws;" in ws.split("}")[0]
    ports = re.findall(r"server (127\.0\.0\.1:\d+)", requests)
    assert ports and ports == re.findall(r"server (127\.0\.0\.1:\d+)", sockets)
