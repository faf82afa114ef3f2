"""The job queue behind the engine's `Queue` port: arq on Redis, or in-process.

Both run the same job functions (registered in `workers.jobs.JOBS`), and both
make enqueueing idempotent by job id.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

log = logging.getLogger(__name__)
JobFunc = Callable[..., Coroutine[Any, Any, Any]]
REQUEST_ID_KEY = "grace:job-request:"


def current_request_id() -> str | None:
    """The request id bound to the logs of the request (or job) enqueueing, if any."""
    import structlog

    value = structlog.contextvars.get_contextvars().get("request_id")
    return str(value) if value else None


class InProcessQueue:
    """Runs jobs as tasks of this process, one at a time per job id.

    Used when no Redis is configured, so `grace serve` alone runs builds and
    reminders. A job id that is queued or running is not enqueued again.
    """

    def __init__(self, functions: dict[str, JobFunc], ctx: dict[str, Any]) -> None:
        self.functions = functions
        self.ctx = ctx
        self._running: dict[str, asyncio.Task[Any]] = {}
        self._counter = 0

    async def enqueue(self, function: str, *args: Any, job_id: str | None = None,
                      defer_seconds: float | None = None) -> str | None:
        if function not in self.functions:
            raise KeyError(f"unknown job {function!r}")
        if job_id is None:
            self._counter += 1
            job_id = f"{function}:{self._counter}"
        if job_id in self._running and not self._running[job_id].done():
            return None
        task = asyncio.create_task(self._run(function, job_id, args, defer_seconds))
        self._running[job_id] = task
        return job_id

    async def _run(self, function: str, job_id: str, args: tuple[Any, ...], defer: float | None) -> Any:
        if defer:
            await asyncio.sleep(defer)
        from arq.worker import Retry

        job_try = 1
        while True:
            ctx = {**self.ctx, "job_id": job_id, "job_try": job_try}
            try:
                return await self.functions[function](ctx, *args)
            except asyncio.CancelledError:
                raise
            except Retry as retry:  # the job asked to run again later, as arq would do
                job_try += 1
                await asyncio.sleep((retry.defer_score or 0) / 1000)
            except Exception:
                log.exception("job %s failed", job_id)
                return None

    async def abort(self, job_id: str) -> bool:
        task = self._running.get(job_id)
        if task and not task.done():
            task.cancel()
            return True
        return False

    async def join(self) -> None:
        """Wait for every job started so far (tests and the demo use this)."""
        while pending := [t for t in self._running.values() if not t.done()]:
            await asyncio.gather(*pending, return_exceptions=True)

    async def close(self) -> None:
        for t in self._running.values():
            t.cancel()
        await asyncio.gather(*self._running.values(), return_exceptions=True)


class ArqQueue:
    """Enqueues onto arq's Redis queue; `grace worker` processes run the jobs."""

    def __init__(self, redis_url: str, queue_name: str | None = None) -> None:
        self.redis_url = redis_url
        self.queue_name = queue_name
        self._pool: Any = None

    async def _get_pool(self) -> Any:
        if self._pool is None:
            from arq import create_pool
            from arq.connections import RedisSettings

            self._pool = await create_pool(RedisSettings.from_dsn(self.redis_url))
        return self._pool

    async def enqueue(self, function: str, *args: Any, job_id: str | None = None,
                      defer_seconds: float | None = None) -> str | None:
        pool = await self._get_pool()
        kwargs: dict[str, Any] = {}
        if job_id:
            kwargs["_job_id"] = job_id
        if defer_seconds:
            kwargs["_defer_by"] = defer_seconds
        if self.queue_name:
            kwargs["_queue_name"] = self.queue_name
        job = await pool.enqueue_job(function, *args, **kwargs)
        if job is None:
            return None
        request_id = current_request_id()
        if request_id:
            # The worker binds it to its logs when the job starts (workers.settings.on_job_start).
            await pool.set(REQUEST_ID_KEY + job.job_id, request_id, ex=7 * 24 * 3600)
        return job.job_id

    async def abort(self, job_id: str) -> bool:
        from arq.jobs import Job

        pool = await self._get_pool()
        job = Job(job_id, pool, _queue_name=self.queue_name) if self.queue_name else Job(job_id, pool)
        return bool(await job.abort(timeout=0))

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.aclose()
