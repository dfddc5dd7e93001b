"""Settings: one table, read from ECABINET_*, documented in docs/settings.md, no secret in code."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest

from ecabinet.errors import ConfigurationError
from ecabinet.settings import SETTINGS, ensure_session_secret, load_settings

SETTINGS_DOC = Path(__file__).resolve().parents[1] / "docs" / "settings.md"


def test_every_setting_is_in_the_settings_table() -> None:
    table = SETTINGS_DOC.read_text()
    documented = set(re.findall(r"^\| `(ECABINET_[A-Z0-9_]+)` \|", table, flags=re.MULTILINE))
    assert {s.env for s in SETTINGS} <= documented, "add the missing settings to docs/settings.md"
    assert documented <= {s.env for s in SETTINGS}, (
        "docs/settings.md names settings that don't exist"
    )


def test_environment_values_are_read_and_parsed() -> None:
    settings = load_settings(
        environ={
            "ECABINET_ORIGIN": "https://ecabinet.gov.example/",
            "ECABINET_UPLOAD_LIMIT_BYTES": "1234",
            "ECABINET_DATABASE_URL": "postgresql+asyncpg://app@db/ecabinet",
        }
    )
    assert settings.origin == "https://ecabinet.gov.example"
    assert settings.rp_id == "ecabinet.gov.example"
    assert settings.upload_limit_bytes == 1234
    assert settings.secure_cookies
    assert not settings.is_sqlite


def test_default_database_is_a_sqlite_file_in_the_data_dir(tmp_path: Path) -> None:
    settings = load_settings(environ={"ECABINET_DATA_DIR": str(tmp_path)})
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path / 'ecabinet.db'}"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("ECABINET_ORIGIN", "localhost:8000", "must look like https://host"),
        ("ECABINET_MAX_BODY_BYTES", "lots", "ECABINET_MAX_BODY_BYTES"),
        ("ECABINET_DEFAULT_LOCALE", "fr", "vi or en"),
    ],
)
def test_bad_configuration_fails_at_start(name: str, value: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        load_settings(environ={name: value})


def test_session_secret_is_generated_once_and_kept_private(tmp_path: Path) -> None:
    settings = load_settings(environ={"ECABINET_DATA_DIR": str(tmp_path)})
    assert settings.session_secret == ""
    first = ensure_session_secret(settings)
    second = ensure_session_secret(settings)
    assert len(first.session_secret) >= 32
    assert first.session_secret == second.session_secret
    mode = stat.S_IMODE((tmp_path / "session_secret").stat().st_mode)
    assert mode == 0o600


def test_a_configured_secret_is_used_as_is(tmp_path: Path) -> None:
    settings = load_settings(
        environ={"ECABINET_DATA_DIR": str(tmp_path), "ECABINET_SESSION_SECRET": "k" * 40}
    )
    assert ensure_session_secret(settings).session_secret == "k" * 40
    assert not (tmp_path / "session_secret").exists()
