"""The worker process's composition root (`grace worker`): settings -> services -> arq worker.

Beside `bot/app.py` (the server's). It may use Slack and Stripe adapters from `bot/`;
`workers/` holds the queue and job bodies and imports nothing from here.
"""

from __future__ import annotations

from typing import Any

from arq.connections import RedisSettings

from bot.jobs import job_table
from bot.services import build_services, close_services
from engine.config import Settings
from workers import settings as arq_settings


async def startup(ctx: dict[str, Any]) -> None:
    ctx["services"] = await build_services(ctx["settings"])


async def shutdown(ctx: dict[str, Any]) -> None:
    if "services" in ctx:
        await close_services(ctx["services"])


def worker_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for `arq.Worker`: every job of `bot.jobs.job_table`, the cron, the services."""
    return arq_settings.worker_options(settings, job_table(slack=True), startup, shutdown)


class WorkerSettings:
    """For `arq bot.worker.WorkerSettings`; `grace worker` is the usual way in."""

    settings = Settings()
    functions = arq_settings.worker_functions(settings, job_table(slack=True))
    cron_jobs = arq_settings.cron_jobs(settings)
    redis_settings = RedisSettings.from_dsn(settings.redis_url) if settings.redis_url else RedisSettings()
    queue_name = settings.queue_name
    on_startup = staticmethod(startup)
    on_shutdown = staticmethod(shutdown)
    on_job_start = staticmethod(arq_settings.on_job_start)
    on_job_end = staticmethod(arq_settings.on_job_end)
    ctx = {"settings": settings}
    allow_abort_jobs = True
