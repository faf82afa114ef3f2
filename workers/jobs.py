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
async def retrain_scoring_model(ctx: dict[str, Any]) -> str:
    """Nightly: retrain when new outcomes exist; promote only if not worse on the newest 20%."""
    from engine.scoring.jobs import retrain_nightly

    return await retrain_nightly(ctx["services"])
