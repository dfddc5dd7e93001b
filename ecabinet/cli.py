"""The ``ecabinet`` command."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

from . import audit
from .auth.attestation_commands import add_commands as add_attestation_commands
from .db import Database
from .errors import EcabinetError
from .key_commands import add_key_commands
from .migrate import upgrade
from .minutes.commands import add_commands as add_minutes_commands
from .minutes.verify import load_trust_roots
from .operations.commands import add_commands as add_operations_commands
from .operations.commands import anchor_stamp_report, chain_and_anchor_report, cmd_audit_anchor
from .settings import Settings, ensure_session_secret, load_settings
from .vocab import Classification, Role

Handler = Callable[[argparse.Namespace, Settings], Coroutine[Any, Any, int]]


def _print(*lines: str) -> None:
    for line in lines:
        print(line, flush=True)


async def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    db = Database(settings.database_url)
    try:
        await upgrade(db.engine)
    finally:
        await db.dispose()
    _print("The database schema is current.")
    return 0


async def cmd_body_create(args: argparse.Namespace, settings: Settings) -> int:
    from .actions.bodies import create_body

    db = Database(settings.database_url)
    try:
        async with db.transaction() as tx:
            body = await create_body(
                tx, actor_id=None, slug=args.slug, name=args.name, name_en=args.name_en or ""
            )
    finally:
        await db.dispose()
    _print(f"Created body {body.slug} (#{body.id}): {body.name}")
    return 0


async def cmd_member_add(args: argparse.Namespace, settings: Settings) -> int:
    from .actions.bodies import add_member, body_by_slug

    db = Database(settings.database_url)
    try:
        async with db.transaction() as tx:
            body = await body_by_slug(tx, args.body)
            seat = await add_member(
                tx,
                actor_id=None,
                body=body,
                full_name=args.name,
                role=Role(args.role),
                title=args.title or "",
                email=args.email,
                clearance=Classification[args.clearance.upper()],
            )
    finally:
        await db.dispose()
    _print(f"Seated person #{seat.person_id} in {body.slug} as {seat.role}.")
    return 0


async def cmd_member_invite(args: argparse.Namespace, settings: Settings) -> int:
    from .actions.enrollment import issue_enrollment

    db = Database(settings.database_url)
    try:
        async with db.transaction() as tx:
            url = await issue_enrollment(tx, settings, actor_id=None, person_id=args.person)
    finally:
        await db.dispose()
    _print(f"Enrollment link (valid {settings.enrollment_valid_hours} h, one use):", url)
    return 0


async def cmd_audit_verify(args: argparse.Namespace, settings: Settings) -> int:
    if args.at is not None:
        return await _verify_past_head(settings, args.at, args.hash)
    report, rollback = await chain_and_anchor_report(settings)
    if not report.ok:
        _print(
            f"Audit chain BROKEN at event #{report.broken_seq}: {report.problem}.",
            f"The {report.checked} events before it are intact.",
        )
        return 1
    if rollback:
        _print(
            f"Audit chain ROLLED BACK: {rollback}.",
            f"The {report.checked} events that remain are intact.",
        )
        return 1
    trust = args.tsa_trust or (
        [settings.minutes_trust_roots] if settings.minutes_trust_roots else []
    )
    stamps, stamps_ok = await anchor_stamp_report(
        settings, load_trust_roots([Path(p) for p in trust])
    )
    _print(f"Audit chain intact: {report.checked} events, head {report.head}.", *stamps)
    if not stamps_ok:
        _print("An anchor's time stamp does NOT hold: the anchor file was altered.")
        return 1
    return 0


async def _verify_past_head(settings: Settings, seq: int, expected: str | None) -> int:
    db = Database(settings.database_url)
    try:
        async with db.read() as session:
            report = await audit.verify_chain(session, upto=seq)
    finally:
        await db.dispose()
    if not report.ok:
        _print(
            f"Audit chain BROKEN at event #{report.broken_seq}: {report.problem}.",
            f"The {report.checked} events before it are intact.",
        )
        return 1
    return _past_head(report, seq, expected)


def _past_head(report: audit.ChainReport, seq: int, expected: str | None) -> int:
    """A head printed earlier (in signed minutes): the chain up to it is intact, and its
    hash is the one printed."""
    _print(f"Audit chain intact up to event #{seq}: its hash is {report.head}.")
    if expected is None:
        return 0
    if expected.strip().lower() == report.head:
        _print("It equals the hash given: that head is part of this intact chain.")
        return 0
    _print(f"It does NOT equal the hash given ({expected.strip()}).")
    return 1


async def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from .demo.seed import prepare_demo

    seats = await prepare_demo(settings)
    settings = _demo_signing(settings)
    if args.simulate:
        from .demo.simulate import simulate

        # The room display's address comes first, so a person can watch the session.
        return await simulate(
            settings, seats, port=args.port, pace=args.pace, say=_print, wait=args.wait
        )
    _print(
        "",
        "e-Cabinet demo: the Government's regular session is ready.",
        f"Open {settings.origin}/ in a browser (Chrome, Edge or Safari).",
        "",
        "Each seat signs in with a passkey. Open a seat's one-time link on the device "
        "that will hold its passkey:",
    )
    for seat in seats:
        _print(f"  {seat.role:<12} {seat.label:<58} {seat.enroll_url}")
    _print(
        "",
        f"Database: {settings.database_url}",
        f"Minutes are signed with a local demo CA; trust {settings.minutes_trust_roots}",
        "Stop with Ctrl+C.",
        "",
    )
    if args.no_serve:
        return 0
    await _serve(settings, host=args.host, port=args.port, workers=1)
    return 0


def _demo_signing(settings: Settings) -> Settings:
    from .demo import government as gov
    from .minutes.commands import demo_signing

    chair = next(p for p in gov.MEMBERS if p.role == "chair")
    return demo_signing(
        settings,
        secretary_name=gov.SECRETARIAT[0].full_name,
        chair_name=chair.full_name,
        organization=gov.BODY.short_name,
    )


async def _serve(settings: Settings, *, host: str, port: int, workers: int) -> None:
    import uvicorn

    from .app import create_app
    from .serving import uvicorn_options

    options = uvicorn_options(settings)
    if workers > 1:
        # Each worker process builds its own app from the same ECABINET_* environment.
        uvicorn.run(
            "ecabinet.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            **options,
        )
    else:
        # The command already runs in an event loop: uvicorn.run would start a second one.
        await uvicorn.Server(
            uvicorn.Config(create_app(settings), host=host, port=port, **options)
        ).serve()


async def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    if settings.is_sqlite and args.workers > 1:
        # Live events cross processes through PostgreSQL LISTEN/NOTIFY; SQLite has none.
        print(
            "ecabinet: several worker processes need PostgreSQL (ECABINET_DATABASE_URL); "
            "on SQLite run one.",
            file=sys.stderr,
        )
        return 2
    if settings.is_sqlite:
        # The embedded default keeps itself current; PostgreSQL is upgraded by the operator.
        await cmd_db_upgrade(args, settings)
    else:
        refusal = await _connection_refusal(settings, args.workers)
        if refusal:
            print(f"ecabinet: {refusal}", file=sys.stderr)
            return 2
    await _serve(settings, host=args.host, port=args.port, workers=args.workers)
    return 0


async def _connection_refusal(settings: Settings, workers: int) -> str:
    from .operations.connections import ConnectionBudget, connections_allowed

    budget = ConnectionBudget(
        processes=max(workers, settings.server_processes),
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pooled_by_pgbouncer=bool(settings.listen_database_url),
    )
    # Asked of PostgreSQL itself: through PgBouncer, the direct (LISTEN) URL.
    db = Database(settings.listen_database_url or settings.database_url)
    try:
        allowed = await connections_allowed(db.engine)
    finally:
        await db.dispose()
    return budget.refusal(allowed)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ecabinet", description="e-Cabinet meeting server")
    sub = parser.add_subparsers(dest="command", required=True)

    def serve_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--host", default="127.0.0.1")
        p.add_argument("--port", type=int, default=8000)

    serve = sub.add_parser("serve", help="run the server")
    serve_options(serve)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(handler=cmd_serve)

    db = sub.add_parser("db", help="database schema").add_subparsers(dest="db", required=True)
    db.add_parser("upgrade", help="create or upgrade the schema").set_defaults(
        handler=cmd_db_upgrade
    )

    body = sub.add_parser("body", help="bodies").add_subparsers(dest="body_cmd", required=True)
    create = body.add_parser("create", help="create a body")
    create.add_argument("slug")
    create.add_argument("name")
    create.add_argument("--name-en")
    create.set_defaults(handler=cmd_body_create)

    member = sub.add_parser("member", help="people").add_subparsers(
        dest="member_cmd", required=True
    )
    add = member.add_parser("add", help="seat a person in a body")
    add.add_argument("body", help="the body's code")
    add.add_argument("name")
    add.add_argument("--role", choices=[r.value for r in Role], default=Role.MEMBER.value)
    add.add_argument("--title")
    add.add_argument("--email")
    add.add_argument(
        "--clearance", choices=[c.name.lower() for c in Classification], default="internal"
    )
    add.set_defaults(handler=cmd_member_add)
    invite = member.add_parser("invite", help="print a one-time passkey enrollment link")
    invite.add_argument("person", type=int, help="the person's number")
    invite.set_defaults(handler=cmd_member_invite)

    audit_cmd = sub.add_parser("audit", help="audit log").add_subparsers(
        dest="audit_cmd", required=True
    )
    audit_verify = audit_cmd.add_parser("verify", help="recompute the hash chain")
    audit_verify.add_argument(
        "--at",
        type=int,
        metavar="EVENT",
        help="check the chain only up to this event (a past head, such "
        "as the one printed in signed minutes)",
    )
    audit_verify.add_argument(
        "--tsa-trust",
        action="append",
        default=[],
        metavar="CA.pem",
        help="certificate of a time-stamp authority's CA to trust for "
        "the anchors' time stamps (repeatable); default: "
        "ECABINET_MINUTES_TRUST_ROOTS",
    )
    audit_verify.add_argument(
        "--hash",
        metavar="HEX",
        help="with --at: the hash printed for that event; exit 1 if the chain's differs",
    )
    audit_verify.set_defaults(handler=cmd_audit_verify)
    audit_cmd.add_parser(
        "anchor", help="append the chain's head to the anchor file now"
    ).set_defaults(handler=cmd_audit_anchor)

    demo = sub.add_parser("demo", help="create a demo Government and serve it")
    serve_options(demo)
    demo.add_argument(
        "--data-dir",
        default="./ecabinet-demo",
        help="where the demo database lives (default ./ecabinet-demo)",
    )
    demo.add_argument("--no-serve", action="store_true", help="prepare the demo and exit")
    demo.add_argument(
        "--simulate",
        action="store_true",
        help="play a scripted session through the API, sign its minutes, exit",
    )
    demo.add_argument(
        "--wait",
        action="store_true",
        help="with --simulate: print the room display and observer links, then "
        "wait for Enter before the session plays",
    )
    demo.add_argument(
        "--pace",
        type=float,
        default=0.3,
        help="seconds between the simulation's steps (default 0.3)",
    )
    demo.set_defaults(handler=cmd_demo)
    add_minutes_commands(sub)
    add_attestation_commands(sub)
    add_operations_commands(sub)
    add_key_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    overrides: dict[str, Any] = {}
    if args.command == "demo":
        import os

        if "ECABINET_DATA_DIR" not in os.environ:
            overrides["data_dir"] = args.data_dir
        if "ECABINET_ORIGIN" not in os.environ:
            overrides["origin"] = f"http://localhost:{args.port}"
    try:
        settings = load_settings(**overrides)
        if args.command != "minutes":  # verifying a PDF needs no server secret
            settings = ensure_session_secret(settings)
        handler: Handler = args.handler
        return asyncio.run(handler(args, settings))
    except EcabinetError as exc:
        print(f"ecabinet: {exc.detail}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
