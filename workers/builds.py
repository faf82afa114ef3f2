"""Job bodies for delivery and Parliament: `run_build` and `close_expired_votes`."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from arq.worker import Retry

from engine.actors import Actor
from engine.context import Services, unit_of_work
from engine.delivery.build import fail_build
from engine.delivery.build import run_build as build_project
from engine.errors import GraceError
from engine.parliament.votes import close_expired_votes as close_votes

log = logging.getLogger(__name__)
NPS_JOB = "schedule_nps_survey"


def retry_delay(services: Services, job_try: int) -> float:
    return float(services.settings.build_retry_seconds * 2 ** max(job_try - 1, 0))


async def run_build(ctx: dict[str, Any], project_id: int) -> str:
    """Build a project (job id `build:{project_id}`). Resumes where a previous run stopped;
    a failure is retried with backoff up to GRACE_BUILD_MAX_TRIES, then the project fails."""
    services: Services = ctx["services"]
    job_try = int(ctx.get("job_try", 1))
    try:
        outcome = await build_project(services, project_id)
    except asyncio.CancelledError:
        raise
    except GraceError as e:  # nothing to retry: the project is missing or not buildable
        log.warning("build of project #%s stopped: %s", project_id, e.message)
        return "stopped"
    except Exception as e:
        if job_try < services.settings.build_max_tries:
            log.warning("build of project #%s failed (try %s), retrying: %r", project_id, job_try, e)
            raise Retry(defer=retry_delay(services, job_try)) from e
        log.exception("build of project #%s failed after %s tries", project_id, job_try)
        await fail_build(services, project_id, f"{type(e).__name__}: {e}" if str(e) else type(e).__name__)
        return "failed"
    if outcome.status == "delivered":
        await after_delivery(services, project_id)
    return outcome.status


async def after_delivery(services: Services, project_id: int) -> None:
    """What follows a delivery: the NPS survey is planned (job `schedule_nps_survey`, once per project)."""
    if services.queue is not None:
        await services.queue.enqueue(NPS_JOB, project_id, job_id=f"nps:{project_id}")


async def close_expired_votes(ctx: dict[str, Any]) -> list[int]:
    """Cron: close every vote past its deadline."""
    services: Services = ctx["services"]
    async with unit_of_work(services, Actor.system("parliament")) as op_ctx:
        return await close_votes(op_ctx)
