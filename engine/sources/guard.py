"""Abuse protection of public forms: a signed fill-time token and a sliding-window rate limit."""

from __future__ import annotations

import hashlib
import math
import time
import uuid
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from redis.asyncio import Redis

from engine.governance.limits import SlidingWindow
from engine.ports import RateLimiter as RateLimiter  # re-exported: the forms' limiter port

TOKEN_SALT = "grace.form-token"


def issue_form_token(secret_key: str, public_id: str, *, issued_at: float | None = None) -> str:
    """A token rendered into the form: which form, and when it was shown (signed, not encrypted)."""
    now = time.time() if issued_at is None else issued_at
    nonce = uuid.uuid4().hex[:16]  # one token per rendering: a second post of it is the same submission
    return URLSafeSerializer(secret_key, salt=TOKEN_SALT).dumps({"f": public_id, "t": round(now, 3), "n": nonce})


def token_key(token: str) -> str:
    """A stable id of one rendered form, used to answer a double submit once."""
    return "token:" + hashlib.sha256(token.encode()).hexdigest()[:40]


def check_form_token(secret_key: str, public_id: str, token: str | None, *, min_fill_seconds: float,
                     max_age_seconds: float, now: float | None = None) -> str | None:
    """None when the token is good; else the rejection reason: 'bad_token' or 'too_fast'."""
    if not token or len(token) > 300:
        return "bad_token"
    try:
        data: Any = URLSafeSerializer(secret_key, salt=TOKEN_SALT).loads(token)
    except BadSignature:
        return "bad_token"
    if not isinstance(data, dict) or data.get("f") != public_id or not isinstance(data.get("t"), int | float):
        return "bad_token"
    elapsed = (time.time() if now is None else now) - float(data["t"])
    if elapsed > max_age_seconds:
        return "bad_token"
    if elapsed < min_fill_seconds:
        return "too_fast"
    return None


class InProcessRateLimiter:
    """Sliding-window log per key, in this process (one API replica)."""

    def __init__(self, limit: int, window_seconds: float = 60.0) -> None:
        self.limit = limit
        self.window = window_seconds
        self._window = SlidingWindow()

    async def hit(self, key: str) -> float:
        wait = self._window.hit(key, self.limit, self.window)
        return 0.0 if wait is None else max(wait, 0.001)


# Atomic in Redis, so replicas share one window: drop old hits, count, add when under the limit.
_SLIDING_WINDOW_LUA = """
local key = KEYS[1]
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
if redis.call('ZCARD', key) < limit then
  redis.call('ZADD', key, now, ARGV[4])
  redis.call('PEXPIRE', key, math.ceil(window * 1000))
  return '0'
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return tostring(tonumber(oldest[2]) + window - now)
"""


class RedisRateLimiter:
    """The same sliding window kept in Redis (sorted set per key), shared by every replica."""

    def __init__(self, redis_url: str, limit: int, window_seconds: float = 60.0, prefix: str = "grace:rl:") -> None:
        self.redis = Redis.from_url(redis_url)
        self.limit = limit
        self.window = window_seconds
        self.prefix = prefix
        self._script = self.redis.register_script(_SLIDING_WINDOW_LUA)

    async def hit(self, key: str) -> float:
        wait = await self._script(keys=[self.prefix + key],
                                  args=[time.time(), self.window, self.limit, uuid.uuid4().hex])
        return max(float(wait), 0.0)

    async def close(self) -> None:
        await self.redis.aclose()


def retry_after_header(wait_seconds: float) -> str:
    return str(max(1, math.ceil(wait_seconds)))
