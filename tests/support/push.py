"""A Web Push subscriber for tests: real P-256 keys and auth secret, as a browser makes,
and a local HTTP push endpoint that keeps what the server posts so a test can decrypt it."""

from __future__ import annotations

import base64
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Subscriber:
    endpoint: str
    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth: bytes = field(default_factory=lambda: os.urandom(16))
    received: list[Received] = field(default_factory=list)
    status: int = 201

    def subscription(self) -> dict[str, Any]:
        public = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {
            "endpoint": self.endpoint,
            "keys": {"p256dh": b64url(public), "auth": b64url(self.auth)},
        }

    def decrypt(self, index: int) -> bytes:
        message = self.received[index]
        assert message.headers["content-encoding"] == "aes128gcm"
        plain: bytes = http_ece.decrypt(
            message.body, private_key=self.key, auth_secret=self.auth, version="aes128gcm"
        )
        return plain


@contextmanager
def push_endpoint() -> Iterator[Subscriber]:
    """A push service on 127.0.0.1 that accepts (201) and keeps every message."""
    subscriber = Subscriber(endpoint="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            body = self.rfile.read(length)
            subscriber.received.append(
                Received({k.lower(): v for k, v in self.headers.items()}, body)
            )
            self.send_response(subscriber.status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    subscriber.endpoint = f"http://127.0.0.1:{server.server_address[1]}/push/tablet-1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield subscriber
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
