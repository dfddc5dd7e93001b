"""PAdES signatures on the minutes, through pyHanko.

A signer's key comes from a :class:`KeySource`: a PKCS#12 or PEM file named in the
settings (the demo), or a key on a PKCS#11 token or HSM slot (production; see
keys_pkcs11.py and docs/signing.md). ``open()`` gives a signer for one signing step.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo

from pyhanko.keys import load_certs_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.timestamps.aiohttp_client import HTTPTimeStamper
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.validation.dss import async_add_validation_info
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend

from ..errors import ConfigurationError, Conflict
from ..pdf.stamp_font import StampFont
from ..settings import Settings
from . import pdfdoc
from .keys_pkcs11 import Pkcs11KeySource

SignerRole = Literal["secretary", "chair"]
PKCS12_SUFFIXES = (".p12", ".pfx")
# The signature's appearance, in Vietnamese and in Vietnam's time, set in the same
# embedded face as the page (PDF/A wants every font embedded; pyHanko's built-in Courier
# is not, and has no Vietnamese glyphs). %(signer)s is the certificate's holder.
STAMP = TextStampStyle(
    stamp_text="Ký bởi: %(signer)s\nThời gian: %(when)s",
    border_width=1,
    text_box_style=TextBoxStyle(font=StampFont(), font_size=9),
)
DEFAULT_TIME_ZONE = "Asia/Ho_Chi_Minh"


def signing_time_text(moment: datetime, time_zone: str = DEFAULT_TIME_ZONE) -> str:
    """ "14:05:09 ngày 29/11/2026 (GMT+7)": the time the appearance shows."""
    local = moment.astimezone(ZoneInfo(time_zone))
    offset = local.utcoffset() or timedelta(0)
    hours, rest = divmod(int(offset.total_seconds()), 3600)
    zone = f"GMT{hours:+d}" + (f":{rest // 60:02d}" if rest else "")
    return f"{local:%H:%M:%S} ngày {local:%d/%m/%Y} ({zone})"


class SigningNotConfigured(Conflict):
    title = "Signing is not set up"
    kind = "signing-not-configured"


class KeySource(Protocol):
    @property
    def description(self) -> str: ...

    def open(self) -> AbstractAsyncContextManager[signers.Signer]: ...


@dataclass(frozen=True)
class FileKeySource:
    """A key and certificate in a PKCS#12 file, or a PEM key with a PEM certificate (and
    chain) beside it; an optional file holds the passphrase."""

    key_file: Path
    cert_file: Path | None = None
    passphrase_file: Path | None = None

    @property
    def description(self) -> str:
        return str(self.key_file)

    @asynccontextmanager
    async def open(self) -> AsyncIterator[signers.Signer]:
        yield self.signer()

    def signer(self) -> signers.Signer:
        passphrase = self._passphrase()
        simple: Any = signers.SimpleSigner  # its loaders are untyped
        try:
            if self.cert_file is None or self.key_file.suffix.lower() in PKCS12_SUFFIXES:
                loaded = simple.load_pkcs12(str(self.key_file), passphrase=passphrase)
            else:
                loaded = simple.load(
                    str(self.key_file), str(self.cert_file), key_passphrase=passphrase
                )
        except (OSError, ValueError, TypeError) as exc:
            raise ConfigurationError(
                "The signing key %(file)s cannot be read: %(why)s",
                file=str(self.key_file),
                why=str(exc),
            ) from exc
        if loaded is None:  # pyHanko logs the reason and returns nothing
            raise ConfigurationError(
                "The signing key %(file)s cannot be read (wrong passphrase or format?).",
                file=str(self.key_file),
            )
        signer: signers.Signer = loaded
        return signer

    def _passphrase(self) -> bytes | None:
        if self.passphrase_file is None:
            return None
        try:
            return self.passphrase_file.read_bytes().strip() or None
        except OSError as exc:
            raise ConfigurationError(
                "The passphrase file %(file)s cannot be read.", file=str(self.passphrase_file)
            ) from exc


def _path(value: str) -> Path | None:
    return Path(value).expanduser() if value else None


def key_source(settings: Settings, role: SignerRole) -> KeySource:
    """The configured key of the secretary or of the chair: on a PKCS#11 token when its
    module is set, else in a file."""
    module = _path(getattr(settings, f"minutes_{role}_pkcs11_module"))
    if module is not None:
        return Pkcs11KeySource(
            module,
            getattr(settings, f"minutes_{role}_pkcs11_token"),
            getattr(settings, f"minutes_{role}_pkcs11_key"),
            _path(getattr(settings, f"minutes_{role}_pkcs11_pin_file")),
        )
    key = _path(getattr(settings, f"minutes_{role}_key"))
    if key is None:
        raise SigningNotConfigured(
            "No signing key is configured for the %(role)s on this server; the administrator "
            "sets ECABINET_MINUTES_%(env)s_KEY or ECABINET_MINUTES_%(env)s_PKCS11_MODULE.",
            role=role,
            env=role.upper(),
        )
    return FileKeySource(
        key,
        _path(getattr(settings, f"minutes_{role}_cert")),
        _path(getattr(settings, f"minutes_{role}_passphrase_file")),
    )


def timestamper(settings: Settings) -> TimeStamper | None:
    url = settings.minutes_tsa_url
    return HTTPTimeStamper(url, timeout=20) if url else None


@dataclass(frozen=True)
class Archival:
    """What PAdES B-LTA needs once the last signature is on: the time-stamp authority for
    the document time stamp, and the trust roots to build every chain whose revocation
    status (OCSP, CRL, fetched from the URLs in the certificates) is embedded."""

    stamper: TimeStamper
    trust_roots: tuple[Any, ...]

    def validation_context(self, fetchers: Any) -> ValidationContext:
        # The context's "now" is fixed when it is made; an OCSP response produced after it
        # by more than the tolerance is refused as "too recent". Fetching the validation
        # data of two signatures and a time stamp can take seconds on a loaded machine, so
        # each step gets a fresh context and a minute's tolerance.
        return ValidationContext(
            trust_roots=list(self.trust_roots),
            fetchers=fetchers,
            allow_fetching=True,
            revocation_mode="hard-fail",
            time_tolerance=timedelta(minutes=1),
        )


def archival(settings: Settings) -> Archival | None:
    """B-LTA when the administrator asks for it (ECABINET_MINUTES_LTA) and a time-stamp
    authority is configured; None otherwise (B-T with a TSA, B-B without)."""
    stamper = timestamper(settings)
    if not settings.minutes_lta or stamper is None:
        return None
    if not settings.minutes_trust_roots:
        raise ConfigurationError(
            "ECABINET_MINUTES_LTA needs ECABINET_MINUTES_TRUST_ROOTS: "
            "the root certificates of the signers and of the TSA."
        )
    load: Any = load_certs_from_pemder  # untyped; reads every certificate in the file
    try:
        roots = tuple(load([str(Path(settings.minutes_trust_roots).expanduser())]))
    except (OSError, ValueError) as exc:
        raise ConfigurationError(
            "The trust roots %(file)s cannot be read: %(why)s",
            file=settings.minutes_trust_roots,
            why=str(exc),
        ) from exc
    return Archival(stamper, roots)


async def archive_pdf(pdf: bytes, plan: Archival) -> bytes:
    """PAdES B-LTA over a document whose signatures are all on (each already B-T): one
    revision per signature with the validation data of its chain and of its time stamp's
    (DSS), then a document time stamp whose own validation data is embedded too. Years
    later, after the certificates expired or were revoked, the document still validates:
    the document time stamp proves the validation data existed while they were valid."""
    data = pdf
    # One HTTP session for every OCSP, CRL and certificate fetch, closed at the end.
    async with AIOHttpFetcherBackend() as fetchers:
        for name in pdfdoc.signature_field_names(PdfFileReader(io.BytesIO(data))):
            reader = PdfFileReader(io.BytesIO(data))
            signature = next(
                (s for s in reader.embedded_regular_signatures if s.field_name == name), None
            )
            if signature is None:
                continue
            output: Any = await async_add_validation_info(
                signature, plan.validation_context(fetchers)
            )
            data = output.getvalue()
        stamped: Any = await signers.PdfTimeStamper(plan.stamper).async_timestamp_pdf(
            pdfdoc.incremental(data), "sha256", validation_context=plan.validation_context(fetchers)
        )
    result: bytes = stamped.getvalue()
    return result


async def sign_pdf(
    pdf: bytes,
    *,
    field: str,
    key: KeySource,
    reason: str = "",
    location: str = "",
    stamper: TimeStamper | None = None,
    attachments: Mapping[str, bytes] | None = None,
    time_zone: str = DEFAULT_TIME_ZONE,
) -> bytes:
    """Fill the empty signature field ``field`` in a new revision (PAdES B-B, or B-T with a
    time-stamp authority). Files in ``attachments`` join the document in the same revision,
    so the signature covers them."""
    writer = pdfdoc.incremental(pdf)
    for name, content in (attachments or {}).items():
        pdfdoc.attach(writer, name, content)
    metadata = signers.PdfSignatureMetadata(
        field_name=field,
        subfilter=SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason or None,
        location=location or None,
    )
    async with key.open() as signer:
        pdf_signer = signers.PdfSigner(metadata, signer, timestamper=stamper, stamp_style=STAMP)
        output: Any = await pdf_signer.async_sign_pdf(
            writer,
            existing_fields_only=True,
            appearance_text_params={"when": signing_time_text(datetime.now(UTC), time_zone)},
        )
    data: bytes = output.getvalue()
    return data
