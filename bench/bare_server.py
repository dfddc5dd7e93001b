"""The floor for bench_live.py: a bare Starlette websocket server that only broadcasts a
counter. No database, no passkey, no coalescing: each POST /bump adds one and sends the
new count, serialised once, to every connected socket. Run under the same uvicorn
settings as e-Cabinet (websockets-sansio, per-message compression off)."""

from __future__ import annotations

import asyncio
import json

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

clients: set[WebSocket] = set()
count = 0


async def broadcast(frame: str) -> None:
    for websocket in list(clients):
        try:
            await websocket.send_text(frame)
        except (WebSocketDisconnect, RuntimeError, OSError):
            clients.discard(websocket)


async def bump(request: Request) -> JSONResponse:
    global count
    count += 1
    frame = json.dumps({"type": "tally", "seq": count, "cast": count})
    # Answer at once and broadcast after, as e-Cabinet answers once the ballot is stored.
    asyncio.get_running_loop().create_task(broadcast(frame))
    return JSONResponse({"cast": count})


async def reset(request: Request) -> JSONResponse:
    global count
    count = 0
    return JSONResponse({"cast": count})


async def live(websocket: WebSocket) -> None:
    await websocket.accept()
    clients.add(websocket)
    try:
        while True:
            await websocket.receive_text()
    except WebSocketDisconnect:
        pass
    finally:
        clients.discard(websocket)


app = Starlette(
    routes=[
        Route("/bump", bump, methods=["POST"]),
        Route("/reset", reset, methods=["POST"]),
        WebSocketRoute("/ws", live),
    ]
)
