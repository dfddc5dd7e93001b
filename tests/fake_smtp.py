"""A tiny SMTP server on localhost, enough for smtplib to deliver to it (no TLS, no auth).
It keeps every message it receives, so a test can read what was sent."""

from __future__ import annotations

import asyncio
import email
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email.message import Message


@dataclass
class FakeSmtp:
    port: int = 0
    messages: list[Message] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        async def say(line: str) -> None:
            writer.write(line.encode() + b"\r\n")
            await writer.drain()

        await say("220 fake.example ESMTP")
        rcpt: list[str] = []
        while line := (await reader.readline()).decode().rstrip("\r\n"):
            verb = line.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                await say("250-fake.example\r\n250 8BITMIME")
            elif verb == "MAIL":
                rcpt = []
                await say("250 OK")
            elif verb == "RCPT":
                rcpt.append(line.split(":", 1)[1].strip(" <>"))
                await say("250 OK")
            elif verb == "DATA":
                await say("354 End data with <CR><LF>.<CR><LF>")
                self.messages.append(email.message_from_bytes(await self._data(reader)))
                self.recipients.append(rcpt)
                await say("250 OK queued")
            elif verb == "QUIT":
                await say("221 Bye")
                break
            else:
                await say("250 OK")
        writer.close()

    @staticmethod
    async def _data(reader: asyncio.StreamReader) -> bytes:
        lines: list[bytes] = []
        while (line := await reader.readline()) not in (b".\r\n", b""):
            lines.append(line[1:] if line.startswith(b"..") else line)
        return b"".join(lines)


@asynccontextmanager
async def fake_smtp() -> AsyncIterator[FakeSmtp]:
    fake = FakeSmtp()
    server = await asyncio.start_server(fake.handle, "127.0.0.1", 0)
    fake.port = server.sockets[0].getsockname()[1]
    try:
        yield fake
    finally:
        server.close()
        await server.wait_closed()
