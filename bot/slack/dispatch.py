"""From a listener to a job: store the inbound event once, queue the work only if new."""

from __future__ import annotations

from typing import Any

from engine.context import Services
from engine.inbound import record_inbound

SOURCE = "slack"  # inbound events from Slack are stored under this source


async def queue_once(services: Services, external_id: str, kind: str, job: str, payload: dict[str, Any]) -> bool:
    """True when queued; False for a duplicate (Slack's retry of an event already received)."""
    if not await record_inbound(services.session_factory, SOURCE, external_id, kind, payload):
        return False
    assert services.queue is not None, "Services need a queue (in-process or arq)"
    await services.queue.enqueue(job, payload, job_id=f"{job}:{external_id}")
    return True
