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
async def check_alerts(ctx: dict[str, Any]) -> dict[str, Any]:
    """Run the alert checks once (cron: every GRACE_ALERT_INTERVAL_MINUTES)."""
    from engine.actors import Actor
    from engine.context import unit_of_work
    from engine.monitoring.alerts import run_alert_checks

    async with unit_of_work(ctx["services"], Actor.system("alerts")) as octx:
        result = await run_alert_checks(octx)
    return result.model_dump()
# Delivery and Parliament (issue 6).
from workers.builds import close_expired_votes, run_build  # noqa: E402

job(run_build)
job(close_expired_votes)
