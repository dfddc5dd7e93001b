"""What one anonymous client can do to the public pages: bounded memory, bounded audit
writes, precise refusals, never a 500."""

from __future__ import annotations

import re
import select
import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from ..support.hostile_files import evidence_bomb
from ..support.packets import make_pdf
from .conftest import BUDGETS, RSS_BUDGET_KB, Target


def anonymous(target: Target) -> httpx.Client:
    client = target.anonymous()
    OPEN.append(client)
    return client


OPEN: list[httpx.Client] = []


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    while OPEN:
        OPEN.pop().close()


def _csrf(client: httpx.Client, path: str = "/minutes/verify") -> str:
    page = client.get(path)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, page.text[:200]
    return found.group(1)


def test_verification_is_bounded_in_size_rate_and_memory(target: Target) -> None:
    rss_before = target.rss_kb()
    client = anonymous(target)
    token = _csrf(client)
    too_big = client.post(
        "/minutes/verify",
        data={"csrf_token": token},
        files={"pdf": ("big.pdf", b"%PDF-" + b"0" * 4_100_000)},
    )
    assert too_big.status_code == 413
    assert "larger than the limit" in too_big.text
    bomb = client.post(
        "/minutes/verify",
        data={"csrf_token": token},
        files={"pdf": ("bomb.pdf", evidence_bomb(1500))},
    )
    assert bomb.status_code in (200, 422), bomb.text[:300]
    for _ in range(2):
        plain = client.post(
            "/minutes/verify", data={"csrf_token": token}, files={"pdf": ("plain.pdf", make_pdf(1))}
        )
        assert plain.status_code in (200, 422), plain.text[:300]
    limited = client.post(
        "/minutes/verify", data={"csrf_token": token}, files={"pdf": ("bomb.pdf", make_pdf(1))}
    )
    assert limited.status_code == 429
    assert "Too many verifications from this address" in limited.text
    assert target.rss_kb() - rss_before < RSS_BUDGET_KB


def _stream_until_answered(
    target: Target, head: bytes, chunk: bytes, most: int
) -> tuple[bytes, int]:
    """Send a chunked upload of up to ``most`` bytes over a raw socket, stopping as soon as
    the server answers; return the answer's first bytes and how much was sent."""
    url = urlsplit(target.url)
    sent = 0
    # From another loopback address: the verifications of this address are used up.
    with socket.create_connection(
        (url.hostname, url.port), timeout=30, source_address=("127.0.0.2", 0)
    ) as raw:
        raw.sendall(head)
        while sent < most:
            readable, _, _ = select.select([raw], [], [], 0)
            if readable:
                break
            try:
                raw.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            except OSError:
                break  # the server closed the connection after answering
            sent += len(chunk)
        raw.settimeout(30)
        return raw.recv(4096), sent


def test_a_verification_upload_is_cut_off_at_its_budget_while_it_streams(target: Target) -> None:
    """No length announced, a body many times the budget: the server answers 413 once the
    file crosses its budget, having read no further, and its memory hardly moves."""
    client = anonymous(target)
    token = _csrf(client)
    budget = BUDGETS["verify_max_bytes"]
    form = (
        f'--b0\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
        '--b0\r\nContent-Disposition: form-data; name="pdf"; filename="a.pdf"\r\n\r\n'
        "%PDF-"
    ).encode()
    cookies = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    head = (
        f"POST /minutes/verify HTTP/1.1\r\nHost: {urlsplit(target.url).netloc}\r\n"
        f"Origin: {target.url}\r\nCookie: {cookies}\r\n"
        "Content-Type: multipart/form-data; boundary=b0\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    ).encode()
    head += b"%x\r\n%s\r\n" % (len(form), form)
    rss_before = target.rss_kb()
    answer, sent = _stream_until_answered(target, head, b"0" * 65536, 20 * budget)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    # Whatever the kernel's socket buffers took beyond the budget, not the 20 budgets.
    assert sent < 5 * budget, sent
    assert target.rss_kb() - rss_before < RSS_BUDGET_KB


def test_a_flood_of_anonymous_refusals_writes_a_bounded_audit(target: Target) -> None:
    client = anonymous(target)
    before = len(target.audit_kinds())
    forged = [client.post("/language", data={"locale": "en"}).status_code for _ in range(60)]
    assert forged == [403] * 60
    limits = [client.post("/api/session/options", json={}).status_code for _ in range(15)]
    assert limits.count(429) >= 5 and 500 not in limits
    guessed = [client.get(f"/enroll/guess-{n}").status_code for n in range(15)]
    assert set(guessed) <= {403, 429} and guessed.count(429) >= 5
    added = [kind for kind, _ in target.audit_kinds()[before:]]
    # One full event per kind (CSRF, rate limit, enrollment) in this minute; the rest counted.
    assert sorted(added) == ["refused.csrf", "refused.enrollment", "refused.rate-limited"]


def test_forwarded_for_from_an_untrusted_peer_is_ignored(target: Target) -> None:
    client = anonymous(target)
    before = len(target.audit_kinds())
    client.post("/api/session/options", json={}, headers={"X-Forwarded-For": "203.0.113.7"})
    # A form without its CSRF token: refused and audited (signing out is not rate limited,
    # so the answer does not depend on what earlier tests sent from this address).
    forged = client.post("/signout", data={"x": "1"}, headers={"X-Forwarded-For": "203.0.113.7"})
    assert forged.status_code == 403
    for _, data in target.audit_kinds()[before:]:
        assert data.get("client") != "203.0.113.7"


def test_huge_ids_are_refused_not_500(target: Target) -> None:
    member = target.members["member"]
    for path in (
        "/api/meetings/9223372036854775808",
        "/api/meetings/99999999999999999999999",
        "/api/versions/%EF%BC%95/file",
        "/meetings/9223372036854775807",
        "/meetings/2147483648",
    ):
        assert member.client.get(path).status_code == 404, path
    ballot = member.client.post(
        "/api/polls/1/ballots/options",
        headers=member.csrf,
        json={"question": 2**70, "choice": "for"},
    )
    assert ballot.status_code == 422
