"""Where predictions are cached: `Services.cache` when one is configured (Redis), else a small
in-process cache with a time to live, kept in `Services.extras`."""

from __future__ import annotations

import time
from typing import Any

from engine.context import Services
from engine.ports import Cache


class TTLCache:
    """An in-process `Cache`: entries expire after their TTL; at most `max_entries` are kept."""

    def __init__(self, max_entries: int = 10_000) -> None:
        self.max_entries = max_entries
        self._data: dict[str, tuple[float, Any]] = {}

    async def get(self, key: str) -> Any | None:
        hit = self._data.get(key)
        if hit is None:
            return None
        if hit[0] < time.monotonic():
            self._data.pop(key, None)
            return None
        return hit[1]

    async def set(self, key: str, value: Any, ttl_seconds: int) -> None:
        if len(self._data) >= self.max_entries:
            now = time.monotonic()
            for k in [k for k, (exp, _) in self._data.items() if exp < now] or list(self._data)[: self.max_entries // 10]:
                self._data.pop(k, None)
        self._data[key] = (time.monotonic() + ttl_seconds, value)

    async def delete_prefix(self, prefix: str) -> None:
        for k in [k for k in self._data if k.startswith(prefix)]:
            del self._data[k]


def prediction_cache(services: Services) -> Cache:
    if services.cache is not None:
        return services.cache
    cache = services.extras.get("scoring.cache")
    if cache is None:
        cache = services.extras["scoring.cache"] = TTLCache()
    return cache
