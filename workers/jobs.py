"""Job functions. Each is idempotent and takes arq's `ctx` (which holds `services`)."""

from __future__ import annotations

from typing import Any

from workers.queue import JobFunc

# name -> function; the delivery, billing and satisfaction issues add theirs here.
JOBS: dict[str, JobFunc] = {}


def job(fn: JobFunc) -> JobFunc:
    JOBS[fn.__name__] = fn
    return fn


@job
async def ping(ctx: dict[str, Any]) -> str:
    """A no-op job used by health checks and tests of the queue."""
    return "pong"


@job
async def send_overdue_reminders(ctx: dict[str, Any]) -> dict[str, Any]:
    """Daily: mark past-due invoices overdue and remind the team once per invoice per day.

    Run it from arq's cron (`cron(send_overdue_reminders, hour=8, minute=0)` in the
    WorkerSettings) or `grace invoice remind-overdue` from the system's cron.
    """
    from engine.actors import Actor
    from engine.billing.reminders import remind_overdue_invoices
    from engine.context import unit_of_work

    async with unit_of_work(ctx["services"], Actor.system("overdue-reminders")) as uow:
        report = await remind_overdue_invoices(uow)
    return report.model_dump(mode="json")
