"""One table of settings, read from ``ECABINET_*`` environment variables.

Every setting has a name, a default and a help text; the table in docs/settings.md is
checked against :data:`SETTINGS` by a test, so the documentation cannot drift.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from .errors import ConfigurationError

ENV_PREFIX = "ECABINET_"


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str
    parse: Callable[[str], Any] = str

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.name.upper()


def _bool(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"expected true or false, got {raw!r}")


def _hours(raw: str) -> tuple[int, ...]:
    try:
        hours = tuple(sorted({int(part) for part in raw.split(",") if part.strip()}, reverse=True))
    except ValueError:
        raise ValueError(f"expected hours such as 72,24,2, got {raw!r}") from None
    if any(h <= 0 for h in hours):
        raise ValueError(f"expected positive hours, got {raw!r}")
    return hours


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "database_url",
        "",
        "SQLAlchemy async URL. Empty: a SQLite file `ecabinet.db` "
        "in the data directory. Production: `postgresql+asyncpg://user@host/db`.",
    ),
    Setting(
        "data_dir",
        "./data",
        "Directory for the SQLite file, stored documents and the generated session secret.",
    ),
    Setting(
        "origin",
        "http://localhost:8000",
        "Public origin the browsers use (scheme, host, "
        "port). WebAuthn and the Origin checks compare against it.",
    ),
    Setting("rp_id", "", "WebAuthn relying-party ID. Empty: the host of `origin`."),
    Setting("rp_name", "e-Cabinet", "Relying-party name shown by the authenticator."),
    Setting(
        "session_secret",
        "",
        "Key that signs session and CSRF cookies. Empty: generated "
        "on first start and kept in `data_dir/session_secret` (mode 600).",
    ),
    Setting("default_locale", "vi", "Language of pages for a visitor who chose none (vi, en)."),
    Setting(
        "max_body_bytes",
        1_048_576,
        "Largest request body accepted outside document uploads, in bytes.",
        int,
    ),
    Setting("upload_limit_bytes", 104_857_600, "Largest document upload, in bytes.", int),
    Setting("session_idle_minutes", 30, "Sign-out after this long without a request.", int),
    Setting("session_absolute_hours", 12, "Sign-out after this long whatever the activity.", int),
    Setting(
        "session_cache_seconds",
        5.0,
        "How long a server process reuses a sign-in it looked up (its person and seats) "
        "before reading it again. Sign-outs, revocations, seat changes and quarantines "
        "reach every process at once; this bounds a change whose notice was lost. "
        "0: read every request.",
        float,
    ),
    Setting("enrollment_valid_hours", 72, "How long a passkey enrollment link stays valid.", int),
    Setting(
        "recovery_link_valid_minutes",
        30,
        "How long the enrollment link of an approved "
        "recovery (a new device for a person who already had one) stays valid.",
        int,
    ),
    Setting(
        "quarantine_hours",
        24,
        "How long a passkey registered through recovery may sign "
        "in and read but not vote, check in, approve, sign, add devices or manage people.",
        int,
    ),
    Setting("challenge_valid_seconds", 300, "How long a WebAuthn challenge may be answered.", int),
    Setting(
        "signin_attempts_per_minute",
        30,
        "Sign-in and enrollment attempts allowed per "
        "client address per minute; more are refused with 429.",
        int,
    ),
    Setting(
        "fresh_auth_minutes",
        5,
        "How long after a passkey check a sensitive action "
        "(adding a device) is allowed without a new one. "
        "Signing minutes always needs a passkey over the files themselves.",
        int,
    ),
    Setting(
        "minutes_secretary_key",
        "",
        "The secretary's signing key for minutes: a PKCS#12 "
        "file (.p12/.pfx) or a PEM private key. `ecabinet demo` makes one from a local CA.",
    ),
    Setting(
        "minutes_secretary_cert",
        "",
        "PEM certificate (and chain) of the secretary's key "
        "when the key is a PEM file; empty for PKCS#12.",
    ),
    Setting(
        "minutes_secretary_passphrase_file",
        "",
        "File holding the passphrase of the secretary's key. Empty: the key is not encrypted.",
    ),
    Setting(
        "minutes_chair_key",
        "",
        "The chair's signing key for minutes: a PKCS#12 file (.p12/.pfx) or a PEM private key.",
    ),
    Setting(
        "minutes_chair_cert",
        "",
        "PEM certificate (and chain) of the chair's key when the "
        "key is a PEM file; empty for PKCS#12.",
    ),
    Setting(
        "minutes_chair_passphrase_file",
        "",
        "File holding the passphrase of the chair's key. Empty: the key is not encrypted.",
    ),
    *(
        setting
        for role in ("secretary", "chair")
        for setting in (
            Setting(
                f"minutes_{role}_pkcs11_module",
                "",
                f"PKCS#11 module (e.g. "
                f"`/usr/lib/softhsm/libsofthsm2.so` or the HSM vendor's) holding the {role}'s "
                "signing key. Set: the key is on a token and the file settings above are not "
                "used.",
            ),
            Setting(
                f"minutes_{role}_pkcs11_token",
                "",
                f"Label of the token (HSM slot) with the {role}'s key.",
            ),
            Setting(
                f"minutes_{role}_pkcs11_key",
                "",
                f"Label of the {role}'s private key on the "
                "token; its certificate has the same label.",
            ),
            Setting(
                f"minutes_{role}_pkcs11_pin_file",
                "",
                f"File holding the PIN of the {role}'s "
                "token, read only when that signer signs. See docs/signing.md for keeping it "
                "away from the application.",
            ),
        )
    ),
    Setting(
        "minutes_tsa_url",
        "",
        "RFC 3161 time-stamp authority that stamps each signature "
        "of the minutes (PAdES B-T). Empty: no time stamp (PAdES B-B).",
    ),
    Setting(
        "minutes_lta",
        False,
        "PAdES B-LTA for the minutes: with a time-stamp authority "
        "(ECABINET_MINUTES_TSA_URL), once the chair has signed, embed the validation data "
        "of both signatures (certificates, OCSP/CRL fetched from the URLs in the "
        "certificates) and add a document time stamp, so that the minutes still verify "
        "after the certificates expire. Needs ECABINET_MINUTES_TRUST_ROOTS.",
        _bool,
    ),
    Setting(
        "minutes_place",
        "Hà Nội",
        "Place name printed before the date of the minutes "
        'and conclusion notices ("Hà Nội, ngày …"): where the body sits.',
    ),
    Setting(
        "minutes_trust_roots",
        "",
        "PEM file of the CA certificates that the minutes "
        "verification page trusts. Empty: signatures are checked but no signer is "
        "trusted.",
    ),
    Setting("log_level", "info", "Log level of the server (debug, info, warning, error)."),
    Setting(
        "smtp_host",
        "",
        "SMTP server that sends notifications by e-mail. Empty: notifications stay in the app.",
    ),
    Setting("smtp_port", 587, "Port of the SMTP server.", int),
    Setting("smtp_user", "", "User name for the SMTP server. Empty: no login."),
    Setting("smtp_password", "", "Password for the SMTP server."),
    Setting("smtp_from", "ecabinet@localhost", "Sender address of notification e-mails."),
    Setting(
        "smtp_starttls",
        True,
        "Upgrade the SMTP connection with STARTTLS before logging in and sending.",
        _bool,
    ),
    Setting(
        "sweep_seconds",
        30,
        "How often each server process looks for deadlines that "
        "passed (triage at the opinion deadline, closing timed live votes and written "
        "polls), due reminders "
        "and e-mails to send. 0: never (tests, one-off commands).",
        int,
    ),
    Setting(
        "reminder_lead_hours",
        (72, 24, 2),
        "Hours before an opinion, poll, minutes or "
        "task deadline at which the members (and their assistants) who have not answered "
        "are reminded, comma-separated; each person may choose their own.",
        _hours,
    ),
    Setting(
        "vapid_subject",
        "",
        "Contact (`mailto:` or `https:` URL) that Web Push services "
        "see in the VAPID claim. Empty: `mailto:` and `smtp_from`. The VAPID key itself is "
        "generated on first start and kept in `data_dir/vapid_private.pem` (mode 600).",
    ),
    Setting(
        "time_zone",
        "Asia/Ho_Chi_Minh",
        "Time zone in which meeting times are shown and "
        "entered, and in which download watermarks state the time (IANA name).",
    ),
    Setting(
        "ws_heartbeat_seconds",
        15,
        "Seconds between heartbeats on each tablet's live "
        "connection (/ws); a tablet silent for three heartbeats is disconnected.",
        int,
    ),
    Setting(
        "presence_grace_seconds",
        45,
        "A checked-in member whose tablet has had no live "
        "connection for this long is shown as away and not counted for the quorum.",
        int,
    ),
    Setting(
        "ws_queue_messages",
        256,
        "Messages that may wait for one slow tablet; beyond "
        "that its queue is dropped and it is told to fetch a fresh snapshot.",
        int,
    ),
    Setting(
        "db_pool_size",
        5,
        "Database connections each server process keeps open "
        "(PostgreSQL), and how many ballots it works on at once (the others wait their "
        "turn holding no connection). See docs/operations.md for the arithmetic.",
        int,
    ),
    Setting(
        "db_max_overflow",
        5,
        "Extra database connections a server process may open "
        "at its busiest, beyond the pool (PostgreSQL).",
        int,
    ),
    Setting(
        "listen_database_url",
        "",
        "Direct PostgreSQL URL for each process's LISTEN "
        "connection (live events between processes), when `database_url` goes through "
        "PgBouncer in transaction pooling, which cannot keep a LISTEN. Setting it also "
        "tells `ecabinet serve` that the pool's connections are PgBouncer's to count. "
        "Empty: `database_url`.",
    ),
    Setting(
        "server_processes",
        1,
        "How many server processes share the database, on all "
        "machines together. `ecabinet serve` refuses to start when they would need more "
        "connections than PostgreSQL allows.",
        int,
    ),
    Setting(
        "audit_anchor_file",
        "",
        "File to which the audit chain's head is appended "
        "from time to time, so that a restored older database is detected. Empty: "
        "`audit-anchors.jsonl` in the data directory; in production put it on storage "
        "the database operator cannot rewrite.",
        str,
    ),
    Setting(
        "audit_anchor_minutes",
        60,
        "How often the sweeper anchors the audit chain's head. 0: only by `ecabinet audit anchor`.",
        int,
    ),
    Setting(
        "audit_tsa_url",
        "",
        "RFC 3161 time-stamp authority that stamps each anchor of "
        "the audit chain's head (the scheduled ones and each signed minutes' head), so "
        "that `ecabinet audit verify` can prove when the chain reached it. Empty: "
        "ECABINET_MINUTES_TSA_URL; neither set: anchors are not time-stamped.",
        str,
    ),
    Setting(
        "upload_max_pages",
        2000,
        "Most pages a PDF may have; a longer one is refused at upload.",
        int,
    ),
    Setting(
        "upload_max_page_points",
        3370,
        "Longest side of a PDF page accepted at upload, in "
        "points (1/72 inch); 3370 is the long side of A0.",
        int,
    ),
    Setting(
        "render_max_pixels",
        12_000_000,
        "Most pixels of one rendered page image; a page that would be larger is rendered smaller.",
        int,
    ),
    Setting(
        "render_workers",
        2,
        "Worker processes that render pages and stamp classified "
        "copies; each member uses at most one at a time. One more worker process "
        "verifies minutes uploaded to the public page.",
        int,
    ),
    Setting(
        "render_timeout_seconds",
        15,
        "Longest one page render may take before its worker "
        "is stopped and the page refused as too costly.",
        int,
    ),
    Setting(
        "worker_memory_mb",
        1536,
        "Address-space limit of each worker process, in MiB; a job that needs more is refused.",
        int,
    ),
    Setting(
        "watermark_max_pages",
        300,
        "Most pages of a classified document that one download "
        "stamps; a longer one is read page by page in the viewer.",
        int,
    ),
    Setting(
        "watermark_timeout_seconds", 60, "Longest stamping one classified download may take.", int
    ),
    Setting(
        "verify_max_bytes",
        20_971_520,
        "Largest PDF accepted by the public minutes verification page, in bytes (413 beyond).",
        int,
    ),
    Setting(
        "verify_timeout_seconds", 30, "Longest one verification on the public page may take.", int
    ),
    Setting(
        "verify_per_minute",
        6,
        "Verifications allowed per client address per minute on "
        "the public page; more are refused with 429.",
        int,
    ),
    Setting(
        "ws_max_message_bytes",
        4096,
        "Largest message a tablet may send on its live "
        "connection; the websocket protocol layer closes a connection that sends more.",
        int,
    ),
    Setting(
        "ws_per_session",
        4,
        "Live connections one sign-in may hold at once (tabs of one tablet); more are refused.",
        int,
    ),
    Setting(
        "metrics_token",
        "",
        "Token a metrics scraper from another machine sends as "
        "'Authorization: Bearer <token>' to read /metrics. Empty: /metrics answers only "
        "on the server itself (loopback, not through the proxy).",
    ),
    Setting(
        "trusted_proxies",
        "",
        "Comma-separated addresses of reverse proxies whose "
        "X-Forwarded-For and X-Forwarded-Proto are believed. Empty: none; the client "
        "address is the TCP peer.",
    ),
)

_BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}


@dataclass(frozen=True)
class Settings:
    database_url: str
    data_dir: Path
    origin: str
    rp_id: str
    rp_name: str
    session_secret: str
    default_locale: str
    max_body_bytes: int
    upload_limit_bytes: int
    session_idle_minutes: int
    session_absolute_hours: int
    session_cache_seconds: float
    enrollment_valid_hours: int
    recovery_link_valid_minutes: int
    quarantine_hours: int
    challenge_valid_seconds: int
    signin_attempts_per_minute: int
    fresh_auth_minutes: int
    minutes_secretary_key: str
    minutes_secretary_cert: str
    minutes_secretary_passphrase_file: str
    minutes_chair_key: str
    minutes_chair_cert: str
    minutes_chair_passphrase_file: str
    minutes_secretary_pkcs11_module: str
    minutes_secretary_pkcs11_token: str
    minutes_secretary_pkcs11_key: str
    minutes_secretary_pkcs11_pin_file: str
    minutes_chair_pkcs11_module: str
    minutes_chair_pkcs11_token: str
    minutes_chair_pkcs11_key: str
    minutes_chair_pkcs11_pin_file: str
    minutes_tsa_url: str
    minutes_lta: bool
    minutes_place: str
    minutes_trust_roots: str
    log_level: str
    smtp_host: str
    smtp_port: int
    smtp_user: str
    smtp_password: str
    smtp_from: str
    smtp_starttls: bool
    sweep_seconds: int
    reminder_lead_hours: tuple[int, ...]
    vapid_subject: str
    time_zone: str
    ws_heartbeat_seconds: int
    presence_grace_seconds: int
    ws_queue_messages: int
    db_pool_size: int
    db_max_overflow: int
    listen_database_url: str
    server_processes: int
    audit_anchor_file: str
    audit_anchor_minutes: int
    audit_tsa_url: str
    upload_max_pages: int
    upload_max_page_points: int
    render_max_pixels: int
    render_workers: int
    render_timeout_seconds: int
    worker_memory_mb: int
    watermark_max_pages: int
    watermark_timeout_seconds: int
    verify_max_bytes: int
    verify_timeout_seconds: int
    verify_per_minute: int
    ws_max_message_bytes: int
    ws_per_session: int
    metrics_token: str
    trusted_proxies: str
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def secure_cookies(self) -> bool:
        return self.origin.startswith("https://")

    @property
    def proxies(self) -> list[str]:
        return [part.strip() for part in self.trusted_proxies.split(",") if part.strip()]

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def upload_dir(self) -> Path:
        """Where uploads wait while they are received and checked; emptied as they leave."""
        return self.data_dir / "incoming"


def load_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Read settings from the environment; keyword overrides win (tests use them)."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        if setting.name in overrides:
            values[setting.name] = overrides.pop(setting.name)
            continue
        raw = env.get(setting.env)
        if raw is None:
            values[setting.name] = setting.default
            continue
        try:
            values[setting.name] = setting.parse(raw)
        except ValueError as exc:
            raise ConfigurationError(f"{setting.env}: {exc}") from exc
    if overrides:
        raise ConfigurationError(f"unknown settings: {', '.join(sorted(overrides))}")
    return _complete(values)


def _complete(values: dict[str, Any]) -> Settings:
    data_dir = Path(values["data_dir"]).expanduser().resolve()
    values["data_dir"] = data_dir
    if not values["database_url"]:
        values["database_url"] = f"sqlite+aiosqlite:///{data_dir / 'ecabinet.db'}"
    origin = str(values["origin"]).rstrip("/")
    parts = urlsplit(origin)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ConfigurationError(f"{ENV_PREFIX}ORIGIN must look like https://host, not {origin!r}")
    values["origin"] = origin
    if not values["rp_id"]:
        values["rp_id"] = parts.hostname
    if values["default_locale"] not in {"vi", "en"}:
        raise ConfigurationError(f"{ENV_PREFIX}DEFAULT_LOCALE must be vi or en")
    if not _is_time_zone(values["time_zone"]):
        raise ConfigurationError(
            f"{ENV_PREFIX}TIME_ZONE must be an IANA time zone such as "
            f"Asia/Ho_Chi_Minh, not {values['time_zone']!r}"
        )
    for name in (
        "render_workers",
        "render_timeout_seconds",
        "worker_memory_mb",
        "upload_max_pages",
        "upload_max_page_points",
        "render_max_pixels",
        "ws_max_message_bytes",
        "ws_per_session",
    ):
        if values[name] < 1:
            raise ConfigurationError(f"{setting_named(name).env} must be at least 1")
    return Settings(**values)


def _is_time_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ValueError, KeyError):  # ZoneInfoNotFoundError is a KeyError
        return False
    return True


def ensure_session_secret(settings: Settings) -> Settings:
    """Return settings with a session secret, generating and keeping one if none was set."""
    if settings.session_secret:
        return settings
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    path = settings.data_dir / "session_secret"
    if not path.exists():
        # O_EXCL so that two processes starting at once cannot write different secrets.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
    secret = path.read_text().strip()
    if len(secret) < 32:
        raise ConfigurationError(f"{path} holds a secret shorter than 32 characters")
    return replace(settings, session_secret=secret)


def setting_named(name: str) -> Setting:
    return _BY_NAME[name]
