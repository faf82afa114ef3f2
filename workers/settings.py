"""arq's worker options from a table of jobs: their limits, the cron jobs, the log context.

The table and the services come from the worker's composition root (`bot/worker.py`);
this module imports nothing of `bot/`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, cast

import structlog
from arq import cron
from arq.connections import RedisSettings
from arq.typing import WorkerCoroutine
from arq.worker import Function, func

from engine.config import Settings
from workers.cron import DAILY_HOUR, DAY, schedule
from workers.jobs import JOBS
from workers.queue import REQUEST_ID_KEY, JobFunc

Hook = Callable[[dict[str, Any]], Awaitable[None]]

# Jobs whose limits differ from the defaults below.
SHORT_TIMEOUT_S = 120


def worker_functions(settings: Settings, jobs: Mapping[str, JobFunc]) -> list[Function]:
    """Every job of the table, with a timeout and a number of tries.

    `run_build` keeps no result: its job id `build:{id}` must be free to enqueue again
    once a build ended (a resumed or re-delivered project). It gets a few tries more than
    GRACE_BUILD_MAX_TRIES, so that after a crash the job itself decides to fail the project.
    """
    out = []
    for name, job in jobs.items():
        fn = cast(WorkerCoroutine, job)  # arq's protocol for `async def job(ctx, ...)`
        if name == "run_build":
            out.append(func(fn, name=name, timeout=settings.build_timeout_seconds,
                            max_tries=settings.build_max_tries + 2, keep_result=0))
        else:
            out.append(func(fn, name=name, timeout=SHORT_TIMEOUT_S, max_tries=3))
    return out


def cron_jobs(settings: Settings) -> list[Any]:
    """The schedule of workers/cron.py as arq cron jobs (every N minutes, N < 60); all are in `JOBS`."""
    out = []
    for name, seconds in schedule(settings):
        if name not in JOBS:
            continue
        step = max(1, seconds // 60)
        minutes = {0} if step >= 60 else set(range(0, 60, step))
        hours = {DAILY_HOUR.get(name, 8)} if seconds >= DAY else None
        out.append(cron(JOBS[name], name=f"cron:{name}", hour=hours, minute=minutes, unique=True,  # type: ignore[arg-type]
                        timeout=SHORT_TIMEOUT_S, run_at_startup=name == "close_expired_votes"))
    return out


async def on_job_start(ctx: dict[str, Any]) -> None:
    """Carry the enqueueing request's id (Slack event, HTTP request) into the job's log lines."""
    request_id = await ctx["redis"].get(REQUEST_ID_KEY + ctx["job_id"])
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(job_id=ctx["job_id"], job_try=ctx.get("job_try"),
                                           **({"request_id": request_id.decode()} if request_id else {}))


async def on_job_end(ctx: dict[str, Any]) -> None:
    structlog.contextvars.clear_contextvars()


def worker_options(settings: Settings, jobs: Mapping[str, JobFunc], on_startup: Hook,
                   on_shutdown: Hook) -> dict[str, Any]:
    """Keyword arguments for `arq.Worker`: the jobs, the cron, and the hooks that build and close
    the services (the composition root's). Used by `grace worker` and tests."""
    if not settings.redis_url:
        raise ValueError("GRACE_REDIS_URL is not set")
    return {
        "functions": worker_functions(settings, jobs),
        "cron_jobs": cron_jobs(settings),
        "redis_settings": RedisSettings.from_dsn(settings.redis_url),
        "queue_name": settings.queue_name,
        "on_startup": on_startup,
        "on_shutdown": on_shutdown,
        "on_job_start": on_job_start,
        "on_job_end": on_job_end,
        "ctx": {"settings": settings},
        "allow_abort_jobs": True,
        "max_jobs": 10,
    }
