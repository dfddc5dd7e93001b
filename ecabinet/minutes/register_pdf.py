"""The key register as a signed PDF: a page per body listing each person's passkeys by
fingerprint and the minutes signers' certificates, with the register's JSON attached, signed
by the secretariat (PAdES, time-stamped when a time-stamp authority is configured).

``read_register`` is the verifier's side: it accepts the register only if the signature is
intact, covers the whole file, chains to a trusted authority, and was made with a
certificate that the register itself lists as the secretariat's.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import copy_into_new_writer
from pyhanko.sign import fields
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from reportlab.lib.units import mm

from ..pdf.report_kit import build, grid, local, para
from . import pdfdoc
from .register import REGISTER_FILE_NAME, Register, RegisterError, chain, parse_register
from .sign import KeySource, sign_pdf

REGISTER_FIELD = "Secretariat"
REGISTER_KIND = "KeyRegister"
MAX_REGISTER = 16 * 1024 * 1024

logging.getLogger("pyhanko").setLevel(logging.CRITICAL)


def to_bytes(register: dict[str, Any]) -> bytes:
    return json.dumps(register, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")


def render_register(register: dict[str, Any], *, zone: str = "Asia/Ho_Chi_Minh") -> bytes:
    """The page a person reads: who holds which key, by fingerprint."""
    tz = ZoneInfo(zone)

    def when(value: Any) -> str:
        return local(datetime.fromisoformat(value), tz) if value else ""

    story: list[Any] = [
        para(register["body"]["name"], "agency"),
        para("SỔ ĐĂNG KÝ KHÓA XÁC THỰC CỦA THÀNH VIÊN / MEMBER KEY REGISTER", "title"),
        para(
            f"Lập lúc / issued at {when(register['issuedAt'])} "
            f"({register['issuedAt']}) · {register['origin']}",
            "subtitle",
        ),
    ]
    rows: list[list[Any]] = [
        [
            para("Thành viên / member", "head"),
            para("Khóa / key (SHA-256)", "head"),
            para("Đăng ký / enrolled", "head"),
            para("Thu hồi / revoked", "head"),
        ]
    ]
    for person in sorted(register["people"].values(), key=lambda p: p["name"]):
        for credential in person["credentials"] or [{}]:
            rows.append(
                [
                    para(person["name"], "cell"),
                    para(credential.get("fingerprint", "—"), "cell"),
                    para(when(credential.get("enrolledAt")), "cell"),
                    para(when(credential.get("revokedAt")), "cell"),
                ]
            )
    story.append(grid(rows, [45 * mm, 75 * mm, 30 * mm, 30 * mm]))
    story.append(para("Chứng thư ký biên bản / minutes signing certificates", "heading"))
    signer_rows: list[list[Any]] = [
        [para("Vai trò / role", "head"), para("Chủ thể / subject", "head"), para("SHA-256", "head")]
    ]
    for signer in register["signers"]:
        signer_rows.append(
            [
                para(signer["role"], "cell"),
                para(signer["subject"], "cell"),
                para(signer["certificateSha256"], "cell"),
            ]
        )
    story.append(grid(signer_rows, [25 * mm, 55 * mm, 100 * mm]))
    return build(story, title="Member key register", page_label=lambda n: f"Trang {n}")


def prepare_register(register: dict[str, Any]) -> bytes:
    writer = copy_into_new_writer(PdfFileReader(io.BytesIO(render_register(register))))
    writer.root[pdfdoc.KIND_KEY] = pdfdoc.kind_marker(REGISTER_KIND)
    fields.append_signature_field(writer, fields.SigFieldSpec(REGISTER_FIELD))
    pdfdoc.attach(writer, REGISTER_FILE_NAME, to_bytes(register))
    out = io.BytesIO()
    untyped: Any = writer
    untyped.write(out)
    return out.getvalue()


async def sign_register(
    register: dict[str, Any], *, key: KeySource, stamper: TimeStamper | None = None
) -> bytes:
    return await sign_pdf(
        prepare_register(register),
        field=REGISTER_FIELD,
        key=key,
        reason="Member key register",
        stamper=stamper,
    )


def certificate_sha256(certificate: Any) -> str:
    """SHA-256 of a certificate's DER (an asn1crypto certificate, as pyHanko gives)."""
    return hashlib.sha256(certificate.dump()).hexdigest()


async def read_register(data: bytes, *, trust_roots: list[Any]) -> tuple[Register, str]:
    """The register, once its signature checks out; raises ``RegisterError`` naming the
    problem otherwise. Also returns when it was signed (the time stamp's time if any)."""
    if len(data) > MAX_REGISTER:
        raise RegisterError("the register file is too large")
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        kind = reader.get_historical_resolver(0).root.get(pdfdoc.KIND_KEY)
        signatures = list(reader.embedded_signatures)
        files = pdfdoc.embedded_files(reader, limit=MAX_REGISTER)
    except RegisterError:
        raise
    except Exception as exc:  # any damage in a hostile file is a refusal, not a crash
        raise RegisterError(f"the register is not a readable PDF: {exc}") from exc
    if kind is None or kind.get("/Kind") != f"/{REGISTER_KIND}":
        raise RegisterError("this PDF is not an e-Cabinet member key register")
    if len(signatures) != 1 or signatures[0].field_name != REGISTER_FIELD:
        raise RegisterError("the register must carry exactly one signature, the secretariat's")
    if REGISTER_FILE_NAME not in files:
        raise RegisterError(f"the register has no {REGISTER_FILE_NAME} attached")
    register = parse_register(files[REGISTER_FILE_NAME])
    if not trust_roots:
        raise RegisterError(
            "no trusted certificate authority was given to check the register's signature"
        )
    context = ValidationContext(trust_roots=trust_roots, allow_fetching=False)
    try:
        status = await async_validate_pdf_signature(signatures[0], context)
    except Exception as exc:
        raise RegisterError(f"the register's signature cannot be validated: {exc}") from exc
    if not (status.intact and status.valid):
        raise RegisterError("the register's signature does not match its content")
    if not status.trusted:
        raise RegisterError(
            "the register is not signed with a certificate from a trusted authority"
        )
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        raise RegisterError("the register was changed after it was signed")
    if "secretary" not in register.signer_roles(certificate_sha256(status.signing_cert)):
        raise RegisterError("the register is not signed by the secretariat's certificate it lists")
    stamp = status.timestamp_validity
    register.file_sha256 = hashlib.sha256(data).hexdigest()
    if stamp is not None and stamp.intact and stamp.valid and stamp.trusted:
        register.stamped_at = stamp.timestamp
    when = stamp.timestamp if stamp is not None else status.signer_reported_dt
    return register, when.isoformat(timespec="seconds") if when else "?"


async def read_registers(files: list[bytes], *, trust_roots: list[Any]) -> tuple[Register, str]:
    """The newest of several revisions of one register, once each is read and they are
    shown to form one chain (``register.chain``)."""
    if not files:
        raise RegisterError("no register was given")
    read = [await read_register(data, trust_roots=trust_roots) for data in files]
    newest, note = max(read, key=lambda pair: pair[0].revision or 0)
    chain(newest, [r for r, _ in read if r is not newest])
    if newest.revision is not None:
        note = f"{note}, revision {newest.revision}"
        if len(files) > 1:
            others = ", ".join(str(r.revision) for r, _ in read if r is not newest)
            note += f" (chained with revisions {others})"
    return newest, note
