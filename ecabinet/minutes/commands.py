"""The ``ecabinet minutes`` commands and the demo's signing set-up."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import anyio

from ..i18n import gettext_for
from ..settings import Settings
from .ca import prepare_demo_signing
from .findings import Report
from .register import RegisterError
from .register_pdf import read_registers
from .verify import load_trust_roots, verify_pdf


def report_text(report: Report, gettext: Callable[..., str]) -> str:
    lines = [
        gettext("Checking %(file)s", file=report.file_name),
        f"SHA-256 {report.file_sha256}",
        "",
    ]
    for section in report.sections:
        lines.append(gettext(section.title))
        for finding in section.findings:
            mark = "  ✓ " if finding.ok else "  ✗ "
            lines.append(mark + finding.text(gettext))
        lines.append("")
    if report.ok:
        lines.append(
            gettext(
                "RESULT: VERIFIED. The document is intact, signed by both "
                "signatories, and every vote recounts as recorded."
            )
        )
    else:
        lines.append(gettext("RESULT: NOT VERIFIED, %(n)s problem(s):", n=len(report.problems)))
        lines += ["  ✗ " + finding.text(gettext) for finding in report.problems]
    return "\n".join(lines)


async def cmd_minutes_verify(args: argparse.Namespace, settings: Settings) -> int:
    trust = [Path(p) for p in args.trust] or (
        [Path(settings.minutes_trust_roots)] if settings.minutes_trust_roots else []
    )
    path = Path(args.file)
    gettext = gettext_for(args.lang or settings.default_locale)
    try:
        data = await anyio.Path(path).read_bytes()
        roots = load_trust_roots(trust)
        register_data = [await anyio.Path(k).read_bytes() for k in args.keys]
        makers = [await anyio.Path(p).read_text() for p in args.attestation_roots]
    except (OSError, ValueError) as exc:
        print(f"ecabinet: {exc}", flush=True)
        return 2
    keys, note = None, ""
    if register_data:
        try:
            keys, note = await read_registers(register_data, trust_roots=roots)
        except RegisterError as exc:
            print(
                gettext(
                    "The member key register %(file)s cannot be used: %(why)s",
                    file=", ".join(args.keys),
                    why=str(exc),
                ),
                flush=True,
            )
            return 1
    if keys is not None and makers:
        keys.verifier_attestation_roots = makers
    report = await verify_pdf(
        data, trust_roots=roots, keys=keys, keys_note=note, file_name=path.name
    )
    print(report_text(report, gettext), flush=True)
    return 0 if report.ok else 1


def add_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    minutes = sub.add_parser("minutes", help="signed minutes").add_subparsers(
        dest="minutes_cmd", required=True
    )
    verify = minutes.add_parser("verify", help="verify signed minutes or a conclusion notice")
    verify.add_argument("file", help="the PDF to check")
    verify.add_argument(
        "--trust",
        action="append",
        default=[],
        metavar="CA.pem",
        help="certificate of an authority to trust (repeatable); default: "
        "ECABINET_MINUTES_TRUST_ROOTS",
    )
    verify.add_argument(
        "--keys",
        metavar="REGISTER.pdf",
        action="append",
        default=[],
        help="the body's member key register (ecabinet keys export BODY); "
        "repeat it with earlier revisions you kept to check that they "
        "chain (the newest is used)",
    )
    verify.add_argument(
        "--attestation-roots",
        metavar="MAKERS.pem",
        action="append",
        default=[],
        help="root certificates of the authenticator makers to trust when "
        "checking attested passkeys (default: those the register lists)",
    )
    verify.add_argument("--lang", choices=["vi", "en"], help="language of the report")
    verify.set_defaults(handler=cmd_minutes_verify)


KEY_SETTINGS = ("minutes_secretary_key", "minutes_chair_key")


def demo_signing(
    settings: Settings, *, secretary_name: str, chair_name: str, organization: str
) -> Settings:
    """A local CA and the demo signers' keys, unless the environment names real ones."""
    if any(os.environ.get(f"ECABINET_{name.upper()}") for name in KEY_SETTINGS):
        return settings
    made = prepare_demo_signing(
        settings.data_dir / "signing",
        secretary_name=secretary_name,
        chair_name=chair_name,
        organization=organization,
    )
    return replace(
        settings,
        minutes_secretary_key=str(made.secretary.key_file),
        minutes_secretary_passphrase_file=str(made.secretary.passphrase_file or ""),
        minutes_chair_key=str(made.chair.key_file),
        minutes_chair_passphrase_file=str(made.chair.passphrase_file or ""),
        minutes_trust_roots=str(made.ca_certificate),
    )
