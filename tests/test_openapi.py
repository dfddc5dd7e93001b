"""The API describes itself, and the description names every API route."""

from __future__ import annotations

import httpx
from starlette.applications import Starlette
from starlette.routing import Route

from ecabinet.web.openapi import openapi_path


async def test_openapi_lists_every_api_route(client: httpx.AsyncClient, app: Starlette) -> None:
    response = await client.get("/api/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    assert spec["openapi"].startswith("3.")
    declared = {(method.upper(), path) for path, item in spec["paths"].items() for method in item}
    routed = {
        (method, openapi_path(route.path))
        for route in app.routes
        if isinstance(route, Route) and route.path.startswith("/api/")
        for method in (route.methods or set())
        if method != "HEAD"
    }
    assert routed == declared
    assert not [path for path in spec["paths"] if ":" in path]
    for must in (
        "/api/enrollments/{token}/options",
        "/api/session",
        "/api/me",
        "/api/me/passkeys/{id}",
        "/api/polls/{poll}/ballots",
    ):
        assert must in spec["paths"]
    cast = spec["paths"]["/api/polls/{poll}/ballots"]["post"]
    assert cast["summary"].startswith("Cast a ballot")
    assert (
        "credential" in cast["requestBody"]["content"]["application/json"]["schema"]["properties"]
    )
