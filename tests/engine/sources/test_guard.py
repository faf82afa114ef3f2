"""Form tokens and the sliding-window rate limit (in-process and in Redis)."""

import asyncio
import time
import uuid

import pytest

from engine.sources.guard import InProcessRateLimiter, RedisRateLimiter, check_form_token, issue_form_token


def test_token_checks():
    now = time.time()
    tok = issue_form_token("s", "f_1", issued_at=now - 5)
    kw = {"min_fill_seconds": 3, "max_age_seconds": 3600, "now": now}
    assert check_form_token("s", "f_1", tok, **kw) is None
    assert check_form_token("s", "f_1", issue_form_token("s", "f_1", issued_at=now - 1), **kw) == "too_fast"
    assert check_form_token("s", "f_2", tok, **kw) == "bad_token"
    assert check_form_token("other", "f_1", tok, **kw) == "bad_token"
    assert check_form_token("s", "f_1", issue_form_token("s", "f_1", issued_at=now - 7200), **kw) == "bad_token"
    assert check_form_token("s", "f_1", None, **kw) == "bad_token"


async def test_in_process_window_slides():
    lim = InProcessRateLimiter(3, window_seconds=0.3)
    assert [await lim.hit("a") for _ in range(3)] == [0, 0, 0]
    wait = await lim.hit("a")
    assert 0 < wait <= 0.3
    assert await lim.hit("b") == 0
    await asyncio.sleep(wait + 0.05)
    assert await lim.hit("a") == 0


@pytest.mark.redis
async def test_redis_window_is_shared_and_atomic(redis_url):
    prefix = f"test:rl:{uuid.uuid4().hex}:"
    a = RedisRateLimiter(redis_url, 10, prefix=prefix)
    b = RedisRateLimiter(redis_url, 10, prefix=prefix)
    try:
        waits = await asyncio.gather(*((a if i % 2 else b).hit("form:1.2.3.4") for i in range(40)))
        assert sum(1 for w in waits if w == 0) == 10
        assert all(0 < w <= 60 for w in waits if w)
    finally:
        await a.close()
        await b.close()
