"""/healthz and the /ws event stream."""

from __future__ import annotations

import asyncio
import contextlib

from fastapi import APIRouter, Request, WebSocket, WebSocketDisconnect
from sqlalchemy import text

from engine.errors import Unauthenticated
from engine.team import authenticate_api_key

router = APIRouter(tags=["live"])


@router.get("/healthz")
async def healthz(request: Request) -> dict[str, object]:
    services = request.app.state.services
    async with services.session_factory() as session:
        await session.execute(text("SELECT 1"))
    return {"status": "ok", "database": services.dialect, "redis": bool(services.settings.redis_url)}


@router.websocket("/ws")
async def events_ws(websocket: WebSocket) -> None:
    """Streams every event as JSON. Authenticate with `?key=`, a bearer header or the dashboard cookie."""
    services = websocket.app.state.services
    header = websocket.headers.get("authorization", "")
    key = websocket.query_params.get("key") or header.removeprefix("Bearer ").strip() or \
        websocket.cookies.get("grace_key", "")
    try:
        async with services.session_factory() as session:
            actor = await authenticate_api_key(session, key)
    except Unauthenticated as e:
        await websocket.close(code=4401, reason=e.message)
        return
    await websocket.accept()
    await websocket.send_json({"type": "hello", "data": {"actor": actor.name, "role": actor.role.value}})
    stream = services.events.subscribe()

    async def pump() -> None:
        async for event in stream:
            await websocket.send_json(event)

    async def drain() -> None:
        with contextlib.suppress(WebSocketDisconnect):
            while True:
                await websocket.receive_text()

    tasks = [asyncio.create_task(pump()), asyncio.create_task(drain())]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await stream.aclose()
