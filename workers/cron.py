"""Periodic jobs: the same schedule for arq's cron (with Redis) and for the in-process loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from engine.config import Settings
from workers.jobs import JOBS

log = logging.getLogger(__name__)


DAY = 86400
# Daily jobs run at these UTC hours under arq's cron (spread out; the retrain at night).
DAILY_HOUR = {"retrain_scoring_model": 2, "rescore_leads_nightly": 3, "verify_invariants_daily": 4,
              "send_overdue_reminders": 8}


def schedule(settings: Settings) -> list[tuple[str, int]]:
    """(job name, interval in seconds). Jobs named here that do not exist yet are skipped."""
    return [
        ("check_alerts", settings.alert_interval_minutes * 60),
        ("close_expired_votes", settings.vote_sweep_minutes * 60),
        ("send_due_nps_surveys", 3600),
        ("send_overdue_reminders", DAY),
        ("verify_invariants_daily", DAY),
        ("retrain_scoring_model", DAY),
        ("rescore_leads_nightly", DAY),
    ]


class EmbeddedCron:
    """Runs the schedule inside `grace serve` when there is no Redis (and so no arq worker)."""

    def __init__(self, queue: Any, settings: Settings) -> None:
        self.queue = queue
        self.settings = settings
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        for name, every in schedule(self.settings):
            if name in JOBS:
                self._tasks.append(asyncio.create_task(self._loop(name, every)))

    async def _loop(self, name: str, every: int) -> None:
        while True:
            await asyncio.sleep(every)
            try:
                await self.queue.enqueue(name, job_id=f"cron:{name}")
            except Exception:
                log.exception("could not start the periodic job %s", name)

    async def stop(self) -> None:
        for t in self._tasks:
            t.cancel()
        for t in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await t
