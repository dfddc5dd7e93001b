"""The ``ecabinet attestation`` commands: which authenticator makers and models a body
trusts, and whether it requires attested passkeys."""

from __future__ import annotations

import argparse
import uuid
from pathlib import Path

import anyio

from .. import audit
from ..actions.bodies import body_by_slug
from ..db import Database
from ..errors import ValidationFailed
from ..settings import Settings
from . import attestation


def _print(*lines: str) -> None:
    for line in lines:
        print(line, flush=True)


async def cmd_trust(args: argparse.Namespace, settings: Settings) -> int:
    pem = await anyio.Path(args.file).read_bytes()
    db = Database(settings.database_url)
    try:
        async with db.transaction() as tx:
            body = await body_by_slug(tx, args.body)
            added = await attestation.trust_roots(tx, body, pem)
            for root in added:
                await audit.record(
                    tx.session,
                    "attestation.root_trusted",
                    body_id=body.id,
                    subject=f"body:{body.id}",
                    sha256=root.sha256,
                    certificate=root.subject,
                )
    finally:
        await db.dispose()
    _print(*(f"{body.slug} trusts {root.subject} (SHA-256 {root.sha256})" for root in added))
    if not added:
        _print(f"{body.slug} already trusted every certificate in {Path(args.file).name}.")
    return 0


def _aaguid(text: str) -> str:
    try:
        return str(uuid.UUID(text))
    except ValueError as exc:
        raise ValidationFailed(
            "%(value)s is not an AAGUID (a UUID such as adce0002-35bc-c60a-648b-0b25f1f05503).",
            value=text,
        ) from exc


async def cmd_policy(args: argparse.Namespace, settings: Settings) -> int:
    allow = [_aaguid(a) for a in args.allow]
    db = Database(settings.database_url)
    try:
        async with db.transaction() as tx:
            body = await body_by_slug(tx, args.body)
            body.attestation_policy = args.policy
            if allow:
                body.aaguid_allowlist = sorted(set(body.aaguid_allowlist) | set(allow))
            tx.session.add(body)
            await audit.record(
                tx.session,
                "attestation.policy_set",
                body_id=body.id,
                subject=f"body:{body.id}",
                policy=body.attestation_policy,
                aaguids=body.aaguid_allowlist,
            )
            roots = len(await attestation.attested_roots(tx, body))
    finally:
        await db.dispose()
    models = ", ".join(body.aaguid_allowlist) or "none"
    _print(
        f"{body.slug}: attestation {body.attestation_policy}; approved models: {models}; "
        f"trusted maker roots: {roots}."
    )
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    group = sub.add_parser(
        "attestation", help="which authenticators a body accepts"
    ).add_subparsers(dest="attestation_cmd", required=True)
    trust = group.add_parser(
        "trust", help="trust an authenticator maker's root certificate for a body's attestation"
    )
    trust.add_argument("body", help="the body's code")
    trust.add_argument("file", help="PEM file with one or more root certificates")
    trust.set_defaults(handler=cmd_trust)
    policy = group.add_parser("policy", help="set a body's attestation policy")
    policy.add_argument("body", help="the body's code")
    policy.add_argument(
        "policy",
        choices=attestation.POLICIES,
        help="any: take the device's word; attested: require a maker's "
        "certificate chain to a trusted root and a listed model",
    )
    policy.add_argument(
        "--allow",
        action="append",
        default=[],
        metavar="AAGUID",
        help="add a device model to the body's approved list (repeatable)",
    )
    policy.set_defaults(handler=cmd_policy)
