"""Notification delivery: one notice to N people (the packet published to a large body),
then the sweeper mails every one through a real local SMTP server (aiosmtpd) and pushes
every one, VAPID-signed and aes128gcm-encrypted, to a local push endpoint.

Timed: notify (the rows written in the publishing transaction: the in-app row, the e-mail
and the push delivery of each person), then each sweep until the outbox is empty.

    python bench/bench_notifications.py [--people 500]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ecabinet.actions import notifications  # noqa: E402
from ecabinet.db import Database  # noqa: E402
from ecabinet.migrate import upgrade  # noqa: E402
from ecabinet.models import Person, PushSubscription  # noqa: E402
from ecabinet.notices import mail, push  # noqa: E402
from ecabinet.settings import load_settings  # noqa: E402
from ecabinet.vocab import NoticeKind  # noqa: E402
from tests.support.push import push_endpoint  # noqa: E402
from tests.support.smtp import smtp_server  # noqa: E402


async def run(people: int) -> None:
    with (
        tempfile.TemporaryDirectory() as tmp,
        smtp_server() as (inbox, port),
        push_endpoint() as tablet,
    ):
        settings = load_settings(
            environ={},
            data_dir=tmp,
            session_secret="b" * 40,
            smtp_host="127.0.0.1",
            smtp_port=port,
            smtp_starttls=False,
        )
        db = Database(settings.database_url)
        await upgrade(db.engine)
        keys = tablet.subscription()
        async with db.transaction() as tx:
            rows = [
                Person(full_name=f"Thành viên {n}", email=f"m{n}@example.vn") for n in range(people)
            ]
            tx.session.add_all(rows)
            await tx.session.flush()
            tx.session.add_all(
                [
                    PushSubscription(
                        person_id=p.id or 0,
                        endpoint=f"{tablet.endpoint}/{p.id}",
                        p256dh=keys["keys"]["p256dh"],
                        auth=keys["keys"]["auth"],
                    )
                    for p in rows
                ]
            )
        ids = [p.id or 0 for p in rows]
        started = time.perf_counter()
        async with db.transaction() as tx:
            await notifications.notify(
                tx,
                ids,
                kind=NoticeKind.PACKET_PUBLISHED,
                message='The packet of "%(meeting)s" is published.',
                meeting="Phiên họp thường kỳ",
                link="/meetings/1",
            )
        written = time.perf_counter() - started
        started = time.perf_counter()
        mailed = 0
        for _ in range(people):  # bounded: each sweep sends a batch
            sent = await mail.deliver_pending(db, settings)
            mailed += sent
            if not sent:
                break
        mailing = time.perf_counter() - started
        started = time.perf_counter()
        pushed = 0
        for _ in range(people):
            sent = await push.deliver_pending(db, settings)
            pushed += sent
            if not sent:
                break
        pushing = time.perf_counter() - started
        await db.dispose()
    assert mailed == people == len(inbox.messages) and pushed == people == len(tablet.received)
    print(
        f"{people} people: notify {written * 1000:.0f} ms; "
        f"e-mail {mailing:.2f} s ({people / mailing:.0f}/s); "
        f"Web Push {pushing:.2f} s ({people / pushing:.0f}/s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=500)
    asyncio.run(run(parser.parse_args().people))


if __name__ == "__main__":
    main()
