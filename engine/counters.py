"""Operational counters shared by every process of a deployment.

The API counts its answers; the alert check may run in an arq worker. With Redis configured the
counts live there (10-second buckets, `INCRBY` + `EXPIRE`, kept two hours), so a check anywhere
sees every process's answers; without Redis there is one process and the counts stay in it.
Counting never waits on the network: `add` buffers in memory, `flush` (every few seconds, and
before a read) writes the buffer in one pipeline.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import defaultdict
from typing import Any, Protocol

log = logging.getLogger(__name__)
BUCKET_SECONDS = 10
KEEP_SECONDS = 2 * 3600


class OpsCounters(Protocol):
    def add(self, name: str, n: int = 1) -> None: ...

    async def flush(self) -> None: ...

    async def window(self, name: str, seconds: int) -> int: ...

    async def close(self) -> None: ...


def _bucket(now: float) -> int:
    return int(now // BUCKET_SECONDS)


class InProcessCounters:
    """One process's counts, in buckets (the embedded default)."""

    def __init__(self) -> None:
        self._counts: dict[tuple[str, int], int] = defaultdict(int)

    def add(self, name: str, n: int = 1) -> None:
        self._counts[(name, _bucket(time.time()))] += n

    async def flush(self) -> None:
        oldest = _bucket(time.time() - KEEP_SECONDS)
        for key in [k for k in self._counts if k[1] < oldest]:
            del self._counts[key]

    async def window(self, name: str, seconds: int) -> int:
        now = _bucket(time.time())
        first = now - max(1, seconds // BUCKET_SECONDS) + 1
        return sum(v for (n, b), v in self._counts.items() if n == name and first <= b <= now)

    async def close(self) -> None:
        return None


class RedisCounters:
    """Counts in Redis, under a prefix per database (one deployment = one database)."""

    def __init__(self, url: str, database_url: str) -> None:
        import redis.asyncio as redis  # deferred: only deployments with Redis need the client

        self._redis: Any = redis.from_url(url)
        self.prefix = "grace:ops:" + hashlib.sha256(database_url.encode()).hexdigest()[:12] + ":"
        self._buffer: dict[tuple[str, int], int] = defaultdict(int)

    def add(self, name: str, n: int = 1) -> None:
        self._buffer[(name, _bucket(time.time()))] += n

    async def flush(self) -> None:
        if not self._buffer:
            return
        buffer, self._buffer = self._buffer, defaultdict(int)
        try:
            pipe = self._redis.pipeline(transaction=False)
            for (name, bucket), n in buffer.items():
                key = f"{self.prefix}{name}:{bucket}"
                pipe.incrby(key, n)
                pipe.expire(key, KEEP_SECONDS)
            await pipe.execute()
        except Exception:
            # Counts are kept for the next flush rather than lost when Redis blinks.
            for k, n in buffer.items():
                self._buffer[k] += n
            log.warning("could not write the operational counters to Redis; kept for the next flush")

    async def window(self, name: str, seconds: int) -> int:
        await self.flush()
        now = _bucket(time.time())
        keys = [f"{self.prefix}{name}:{b}" for b in range(now - max(1, seconds // BUCKET_SECONDS) + 1, now + 1)]
        return sum(int(v) for v in await self._redis.mget(keys) if v is not None)

    async def close(self) -> None:
        await self.flush()
        await self._redis.aclose()


HTTP_ANSWERS = "http_answers"
HTTP_ERRORS = "http_5xx"


async def error_rate(counters: OpsCounters, seconds: int = 300, min_answers: int = 20) -> float | None:
    """Share of the HTTP answers of the last `seconds` (every process) that were 5xx; None below
    `min_answers` answers (too few to tell)."""
    total = await counters.window(HTTP_ANSWERS, seconds)
    if total < min_answers:
        return None
    return await counters.window(HTTP_ERRORS, seconds) / total


class SharedErrorRate:
    """The `ErrorRate` port over the shared counters: the alert check sees every API process."""

    def __init__(self, counters: OpsCounters) -> None:
        self.counters = counters

    async def __call__(self) -> float | None:
        return await error_rate(self.counters)
