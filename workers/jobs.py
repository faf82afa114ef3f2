"""Job functions. Each is idempotent and takes arq's `ctx` (which holds `services`)."""

from __future__ import annotations

from datetime import date
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
async def verify_invariants_daily(ctx: dict[str, Any]) -> bool:
    """Run `grace verify`'s checks; alert the alerts channel when one fails. Safe to run twice."""
    from engine.actors import Actor
    from engine.context import unit_of_work
    from engine.verification import render, verify_invariants

    services = ctx["services"]
    async with unit_of_work(services, Actor.system("verify")) as op_ctx:
        report = await verify_invariants(op_ctx)
    if not report.ok:
        names = ", ".join(c.name for c in report.failed)
        await services.notifier.post(services.settings.alerts_channel or None,
                                     f":warning: Grace's daily verification failed: {names}\n"
                                     + "\n".join(render(report)),
                                     key=f"verify:{date.today().isoformat()}:{names}")  # once a day per failure
    return report.ok


verify_invariants_daily.cron = {"hour": 4, "minute": 15}  # type: ignore[attr-defined]  # daily, for WorkerSettings
