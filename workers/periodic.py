"""Periodic jobs without Redis: `grace serve` runs them in-process on the same schedule arq would."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from engine.context import Services
from workers.queue import InProcessQueue

log = logging.getLogger(__name__)


async def _every(services: Services, job: str, seconds: float) -> None:
    while True:
        await asyncio.sleep(seconds)
        try:
            await services.queue.enqueue(job, job_id=f"{job}:periodic")  # type: ignore[union-attr]
        except Exception:
            log.exception("could not enqueue %s", job)


@contextlib.asynccontextmanager
async def in_process_periodic_jobs(services: Services) -> AsyncIterator[None]:
    """While the app runs with the in-process queue, close expired votes every few minutes.
    With Redis, the arq workers' cron does it and this does nothing."""
    if not isinstance(services.queue, InProcessQueue):
        yield
        return
    task = asyncio.create_task(_every(services, "close_expired_votes", services.settings.vote_sweep_minutes * 60))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
