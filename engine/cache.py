"""The cache behind the engine's `Cache` port: in-process, or Redis when configured.

A speed-up only: every write invalidates what it touches after commit (see
`engine.context.run_after_commit`), so a cached answer is never older than the last change.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import redis.asyncio as redis

TTL_CLIENT = 3600
TTL_PIPELINE = 300
TTL_PREDICTION = 1800


class InProcessCache:
    def __init__(self, max_items: int = 10_000) -> None:
        self._data: dict[str, tuple[float, Any]] = {}
        self._max = max_items

    async def get(self, key: str) -> Any | None:
        hit = self._data.get(key)
        if hit is None:
            return None
        expires, value = hit
        if expires < time.monotonic():
            self._data.pop(key, None)
            return None
        return value

    async def set(self, key: str, value: Any, ttl_seconds: int) -> None:
        if len(self._data) >= self._max:
            # Generation tokens are never evicted early: losing one would revive an older generation.
            now = time.monotonic()
            expired = [k for k, (e, _) in self._data.items() if e < now]
            oldest = [k for k in self._data if not k.startswith("gen:")][: self._max // 10]
            for k in expired or oldest:
                self._data.pop(k, None)
        self._data[key] = (time.monotonic() + ttl_seconds, value)

    async def delete_prefix(self, prefix: str) -> None:
        for k in [k for k in self._data if k.startswith(prefix)]:
            self._data.pop(k, None)


class RedisCache:
    """JSON values in Redis under `grace:cache:`; shared by every replica."""

    PREFIX = "grace:cache:"

    def __init__(self, url: str) -> None:
        self._redis = redis.from_url(url)

    async def get(self, key: str) -> Any | None:
        raw = await self._redis.get(self.PREFIX + key)
        return None if raw is None else json.loads(raw)

    async def set(self, key: str, value: Any, ttl_seconds: int) -> None:
        await self._redis.set(self.PREFIX + key, json.dumps(value, default=str), ex=ttl_seconds)

    async def delete_prefix(self, prefix: str) -> None:
        keys = [k async for k in self._redis.scan_iter(match=self.PREFIX + prefix + "*", count=500)]
        if keys:
            await self._redis.delete(*keys)

    async def close(self) -> None:
        await self._redis.aclose()


def invalidations_for(event: dict[str, Any]) -> list[str]:
    """Cache prefixes an event makes stale."""
    data = event.get("data", {})
    out = ["pipeline:", "revenue:"]
    if "client_id" in data:
        out.append(f"client:{data['client_id']}:")
    # Predictions need nothing here: their keys carry the lead's updated_at.
    return out


async def invalidate(cache: Any, prefix: str) -> None:
    """Make every cached value under `prefix` unreachable, in O(1).

    A new generation token is set: a reader that computed from the old data and stores its
    answer afterwards stores it under the old generation, where nobody looks. Entries of old
    generations are never read again and expire with their TTL (no key scan on writes).
    """
    await cache.set(f"gen:{prefix}", uuid.uuid4().hex, 7 * 24 * 3600)


async def cached(cache: Any, prefix: str, subkey: str, ttl: int, compute: Any) -> Any:
    """The cached JSON value of `compute()` under `prefix`+`subkey`, computed on a miss."""
    if cache is None:
        return await compute()
    gen = await cache.get(f"gen:{prefix}") or "0"
    key = f"{prefix}{gen}:{subkey}"
    hit = await cache.get(key)
    if hit is not None:
        return hit
    value = await compute()
    await cache.set(key, value, ttl)
    return value
