"""Offline reading: the service worker, and the manifest of what a tablet may keep.

The worker asks for the manifest on every connection and keeps exactly what it lists:
anything else it holds is deleted. That is the recall: after a meeting closes its
documents leave the manifest, so the tablet drops them the next time it is online. A 401
(signed out, session over) drops everything.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ..actions import packets
from ..auth.permissions import ensure_signed_in
from ..documents.delivery import PRIVATE_NO_STORE
from .common import actor_of, db_of
from .routing import api, page
from .templating import STATIC_DIR, render


async def service_worker(request: Request) -> Response:
    # Served from the root so that its scope covers every page; revalidated each time so
    # a new worker reaches the tablets at once.
    return FileResponse(
        STATIC_DIR / "sw.js",
        media_type="text/javascript",
        headers={"cache-control": "no-cache", "service-worker-allowed": "/"},
    )


async def manifest(request: Request) -> Response:
    """What this tablet may keep for offline reading: the agenda pages, and the latest
    version of each document of meetings still ahead, up to the body's offline level."""
    actor = actor_of(request)
    ensure_signed_in(actor)
    async with db_of(request).read() as session:
        packet = await packets.offline_packet(session, actor)
    urls: list[str] = []
    documents = []
    for view, kept in packet:
        # The positions page too: a member drafts positions offline (a person without a
        # seat that gives positions is refused it, and the tablet keeps nothing).
        urls += [f"/meetings/{view.meeting.id}", f"/meetings/{view.meeting.id}/positions"]
        for document in kept:
            latest = document.latest
            assert latest is not None
            urls += [
                f"/versions/{latest.id}",
                f"/versions/{latest.id}/comments",
                f"/api/versions/{latest.id}/file",
            ]
            documents.append(
                {
                    "id": document.document.id,
                    "version": latest.id,
                    "pages": latest.page_count or 0,
                    "pageUrl": f"/api/versions/{latest.id}/pages/{{n}}.png",
                }
            )
    return JSONResponse(
        {"urls": urls, "documents": documents}, headers={"cache-control": PRIVATE_NO_STORE}
    )


async def offline_page(request: Request) -> Response:
    """What the tablet shows, without network, for a page it does not keep."""
    return render(request, "offline.html", {})


def routes() -> list[BaseRoute]:
    return [
        Route("/sw.js", service_worker, name="service_worker"),
        page("/offline", offline_page, name="offline", public=True),
        api("/api/offline/manifest", manifest, name="offline_manifest", public=True),
    ]
