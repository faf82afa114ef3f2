"""Live events: published after commit, fanned out in-process or through Redis pub/sub."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from typing import Any, Protocol

import redis.asyncio as redis

from engine.audit import jsonable
from storage.types import utcnow

log = logging.getLogger(__name__)
CHANNEL = "grace:events"


def make_event(type_: str, data: dict[str, Any]) -> dict[str, Any]:
    """An event as plain JSON values (money as decimal strings), ready for any transport."""
    return {"type": type_, "at": utcnow().isoformat(), "data": jsonable(data)}


class EventBus(Protocol):
    async def publish(self, event: dict[str, Any]) -> None: ...

    def subscribe(self) -> AsyncIterator[dict[str, Any]]: ...

    async def close(self) -> None: ...


class InProcessEventBus:
    """Fan-out to every subscriber of this process. A slow subscriber drops its oldest events."""

    def __init__(self, maxsize: int = 1000) -> None:
        self._subscribers: set[asyncio.Queue[dict[str, Any]]] = set()
        self._maxsize = maxsize

    async def publish(self, event: dict[str, Any]) -> None:
        self._deliver(event)

    def _deliver(self, event: dict[str, Any]) -> None:
        for q in list(self._subscribers):
            if q.full():
                with contextlib.suppress(asyncio.QueueEmpty):
                    q.get_nowait()
            q.put_nowait(event)

    async def subscribe(self) -> AsyncIterator[dict[str, Any]]:
        q: asyncio.Queue[dict[str, Any]] = asyncio.Queue(self._maxsize)
        self._subscribers.add(q)
        try:
            while True:
                yield await q.get()
        finally:
            self._subscribers.discard(q)

    async def close(self) -> None:
        self._subscribers.clear()


class RedisEventBus(InProcessEventBus):
    """Publishes to a Redis channel; one listener task per process feeds local subscribers,
    so every API replica sees every event."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self._redis = redis.from_url(url)
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._listen())
            await asyncio.wait_for(self._ready.wait(), 10)

    async def _listen(self) -> None:
        while True:
            try:
                pubsub = self._redis.pubsub()
                await pubsub.subscribe(CHANNEL)
                self._ready.set()
                async for message in pubsub.listen():
                    if message.get("type") != "message":
                        continue
                    try:
                        self._deliver(json.loads(message["data"]))
                    except ValueError:
                        log.warning("ignored a malformed event on %s", CHANNEL)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("event listener lost Redis; reconnecting in 1 s")
                await asyncio.sleep(1)

    async def publish(self, event: dict[str, Any]) -> None:
        await self._redis.publish(CHANNEL, json.dumps(event, default=str))

    async def close(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        await self._redis.aclose()
        await super().close()
