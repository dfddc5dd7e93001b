"""Signing keys on a PKCS#11 token or HSM slot, through pyHanko's PKCS#11 signer.

The key never leaves the token: pyHanko hands the token the digest to sign. The PIN is
read from its file at the moment of signing and only then, so a deployment can keep the
file absent (or empty) until the signer's own step, supplied by a separate process (see
docs/signing.md). A session with the token is opened for one signing step and closed
right after it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pkcs11
from pyhanko.config.pkcs11 import PKCS11SignatureConfig, TokenCriteria
from pyhanko.sign import signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.pkcs11 import PKCS11SigningContext

from ..errors import ConfigurationError, Conflict


class SigningKeyUnavailable(Conflict):
    """The token is configured but cannot sign now: its PIN is not supplied, the token is
    absent, or it refuses the PIN."""

    title = "Signing key not available"
    kind = "signing-key-unavailable"


@dataclass(frozen=True)
class Pkcs11KeySource:
    """A private key (and its certificate, under the same label unless told otherwise) on
    the token with ``token_label``, reached through the PKCS#11 ``module``."""

    module: Path
    token_label: str
    key_label: str
    pin_file: Path | None = None
    cert_label: str = ""

    @property
    def description(self) -> str:
        return f"pkcs11:token={self.token_label};object={self.key_label}"

    @asynccontextmanager
    async def open(self) -> AsyncIterator[signers.Signer]:
        if not self.module.is_file():
            raise ConfigurationError(
                "The PKCS#11 module %(file)s does not exist.", file=str(self.module)
            )
        config = PKCS11SignatureConfig(
            module_path=str(self.module),
            token_criteria=TokenCriteria(label=self.token_label),
            key_label=self.key_label,
            cert_label=self.cert_label or self.key_label,
            # The digest is computed here and the token signs it (CKM_ECDSA, CKM_RSA_PKCS):
            # SoftHSM2 and many HSMs lack the hash-and-sign mechanisms such as
            # CKM_ECDSA_SHA256, and the token sees the same 32 bytes either way.
            raw_mechanism=True,
        )
        context = PKCS11SigningContext(config, user_pin=self._pin())
        try:
            async with context as signer:
                yield signer
        except (SigningError, pkcs11.PKCS11Error) as exc:
            raise SigningKeyUnavailable(
                "The signing key %(key)s on token %(token)s cannot be used: %(why)s",
                key=self.key_label,
                token=self.token_label,
                why=str(exc),
            ) from exc

    def _pin(self) -> str:
        if self.pin_file is None:
            raise ConfigurationError(
                "No PIN file is configured for token %(token)s.", token=self.token_label
            )
        try:
            pin = self.pin_file.read_text().strip()
        except OSError as exc:
            raise SigningKeyUnavailable(
                "The PIN of token %(token)s is not available (%(file)s cannot be read); it "
                "is supplied only for this signer's step.",
                token=self.token_label,
                file=str(self.pin_file),
            ) from exc
        if not pin:
            raise SigningKeyUnavailable(
                "The PIN of token %(token)s is not available (%(file)s is empty); it is "
                "supplied only for this signer's step.",
                token=self.token_label,
                file=str(self.pin_file),
            )
        return pin
