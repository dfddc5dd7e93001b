"""Counters of this server process for its operators, in Prometheus' text format.

``GET /metrics`` answers only a scraper on the server itself (the loopback address, or a
trusted proxy's own address) that came through no proxy, or one that shows the token of
``ECABINET_METRICS_TOKEN``; anyone else gets 404. The numbers are per process and start
at zero with it: refusals by kind, rate-limited requests, live connections, and the
worker pools' queues. No number names a person, a meeting or an address.
"""

from __future__ import annotations

import hmac
from collections import Counter
from ipaddress import ip_address

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from ..workers import WorkerPool

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
FORWARDING_HEADERS = ("x-forwarded-for", "forwarded", "x-real-ip")


class Metrics:
    def __init__(self) -> None:
        self.refusals: Counter[tuple[str, int]] = Counter()
        self.rate_limited: Counter[str] = Counter()
        self.ws_accepted = 0
        self.ws_refused: Counter[str] = Counter()

    def refused(self, kind: str, status: int) -> None:
        self.refusals[(kind, status)] += 1
        if status == 429:
            self.rate_limited[kind] += 1


def _loopback(host: str) -> bool:
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def allowed(request: Request) -> bool:
    """A scraper on this machine, not relayed by a proxy; or one holding the token."""
    token = request.app.state.settings.metrics_token
    given = request.headers.get("authorization", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    if any(name in request.headers for name in FORWARDING_HEADERS):
        return False  # relayed: the peer address says nothing about the client
    host = request.client.host if request.client else ""
    return _loopback(host) or host in request.app.state.settings.proxies


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def render(metrics: Metrics, *, ws_open: int, pools: dict[str, WorkerPool]) -> str:
    lines = [
        "# HELP ecabinet_refusals_total Requests refused, by kind and status.",
        "# TYPE ecabinet_refusals_total counter",
    ]
    for (kind, status), count in sorted(metrics.refusals.items()):
        lines.append(f'ecabinet_refusals_total{{kind="{_label(kind)}",status="{status}"}} {count}')
    lines += [
        "# HELP ecabinet_rate_limited_total Requests refused by a rate limit (429).",
        "# TYPE ecabinet_rate_limited_total counter",
    ]
    for kind, count in sorted(metrics.rate_limited.items()):
        lines.append(f'ecabinet_rate_limited_total{{kind="{_label(kind)}"}} {count}')
    lines += [
        "# HELP ecabinet_ws_connections Live (websocket) connections open now.",
        "# TYPE ecabinet_ws_connections gauge",
        f"ecabinet_ws_connections {ws_open}",
        "# HELP ecabinet_ws_accepted_total Live connections accepted.",
        "# TYPE ecabinet_ws_accepted_total counter",
        f"ecabinet_ws_accepted_total {metrics.ws_accepted}",
        "# HELP ecabinet_ws_refused_total Live connections refused at the handshake.",
        "# TYPE ecabinet_ws_refused_total counter",
    ]
    for kind, count in sorted(metrics.ws_refused.items()):
        lines.append(f'ecabinet_ws_refused_total{{kind="{_label(kind)}"}} {count}')
    lines += [
        "# HELP ecabinet_worker_queue_depth Jobs waiting for a worker process.",
        "# TYPE ecabinet_worker_queue_depth gauge",
    ]
    lines += [
        f'ecabinet_worker_queue_depth{{pool="{name}"}} {pool.waiting}'
        for name, pool in sorted(pools.items())
    ]
    lines += [
        "# HELP ecabinet_worker_busy Worker processes running a job now.",
        "# TYPE ecabinet_worker_busy gauge",
    ]
    lines += [
        f'ecabinet_worker_busy{{pool="{name}"}} {pool.busy}' for name, pool in sorted(pools.items())
    ]
    lines += [
        "# HELP ecabinet_worker_size Worker processes each pool may run.",
        "# TYPE ecabinet_worker_size gauge",
    ]
    lines += [
        f'ecabinet_worker_size{{pool="{name}"}} {pool.size}' for name, pool in sorted(pools.items())
    ]
    return "\n".join(lines) + "\n"


async def metrics_endpoint(request: Request) -> Response:
    if not allowed(request):
        return PlainTextResponse("Not Found\n", status_code=404)
    state = request.app.state
    text = render(
        state.metrics,
        ws_open=len(state.hub.connections),
        pools={"render": state.render_pool, "verify": state.verify_pool},
    )
    return Response(text, media_type=CONTENT_TYPE, headers={"Cache-Control": "no-store"})
