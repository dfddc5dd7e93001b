"""The ``ecabinet keys`` commands: the body's member key register, read through the
actions (the minutes package itself imports no actions)."""

from __future__ import annotations

import argparse
from pathlib import Path

import anyio

from .settings import Settings


async def cmd_keys_export(args: argparse.Namespace, settings: Settings) -> int:
    """Write the body's signed member key register (a PDF with its JSON attached)."""
    from .actions.bodies import body_by_slug
    from .actions.key_register import export_register
    from .db import Database

    db = Database(settings.database_url)
    try:
        async with db.transaction() as tx:
            body = await body_by_slug(tx, args.body)
            assert body.id is not None
            pdf = await export_register(tx, settings, body_id=body.id)
    finally:
        await db.dispose()
    out = Path(args.output or f"key-register-{args.body}.pdf")
    await anyio.Path(out).write_bytes(pdf)
    print(f"{out} ({len(pdf)} bytes)", flush=True)
    return 0


def add_key_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    keys = sub.add_parser("keys", help="member key register").add_subparsers(
        dest="keys_cmd", required=True
    )
    export = keys.add_parser("export", help="write the body's signed member key register")
    export.add_argument("body", help="the body's code (slug)")
    export.add_argument("-o", "--output", help="file to write (default key-register-BODY.pdf)")
    export.set_defaults(handler=cmd_keys_export)
