"""How uvicorn runs the app, from the settings: the one place for protocol-level limits.

Proxy headers are believed only from the addresses in ``ECABINET_TRUSTED_PROXIES``
(none by default): uvicorn's own default trusts any loopback caller, which lets a local
client pick the address the rate limits and the audit log see. Websocket frames larger
than a tablet ever sends are refused by the protocol layer before they are buffered.
"""

from __future__ import annotations

from typing import Any

from .settings import Settings


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    proxies = settings.proxies
    return {
        "proxy_headers": bool(proxies),
        "forwarded_allow_ips": proxies or [],
        "ws_max_size": settings.ws_max_message_bytes,
        "ws_per_message_deflate": False,
    }
