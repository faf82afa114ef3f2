"""/healthz and the /ws event stream."""

from __future__ import annotations

import asyncio
import contextlib
from urllib.parse import urlsplit

from fastapi import APIRouter, Request, WebSocket, WebSocketDisconnect
from sqlalchemy import text

from bot.api.deps import SESSION_COOKIE, dashboard_session
from engine.actors import Actor
from engine.errors import Unauthenticated
from engine.team import authenticate_api_key

router = APIRouter(tags=["live"])


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def origin_allowed(websocket: WebSocket, public_url: str) -> bool:
    """Browsers always send Origin on a WebSocket: it must be this server (its Host, or the public
    address). Clients that are not browsers send none and authenticate with a key."""
    origin = websocket.headers.get("origin")
    if origin is None:
        return True
    host = websocket.headers.get("host", "")
    own = {f"http://{host}".lower(), f"https://{host}".lower(), _origin(public_url)}
    return origin.strip().lower() in own


@router.get("/healthz")
async def healthz(request: Request) -> dict[str, object]:
    services = request.app.state.services
    async with services.session_factory() as session:
        await session.execute(text("SELECT 1"))
    return {"status": "ok", "database": services.dialect, "redis": bool(services.settings.redis_url)}


@router.websocket("/ws")
async def events_ws(websocket: WebSocket) -> None:
    """Streams every event as JSON. Authenticate with `?key=`, a bearer header or the dashboard's
    session cookie; a browser's Origin must be this server (4403 otherwise)."""
    services = websocket.app.state.services
    if not origin_allowed(websocket, services.settings.public_url):
        await websocket.close(code=4403, reason="This origin may not open Grace's event stream.")
        return
    header = websocket.headers.get("authorization", "")
    key = websocket.query_params.get("key") or header.removeprefix("Bearer ").strip()
    actor: Actor | None = None
    try:
        if key:
            async with services.session_factory() as session:
                actor = await authenticate_api_key(session, key)
        else:
            found = await dashboard_session(services, websocket.cookies.get(SESSION_COOKIE, ""))
            if found is None:
                raise Unauthenticated("Sign in, or send an API key.")
            actor = found[0]
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
