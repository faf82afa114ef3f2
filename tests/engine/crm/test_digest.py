"""The daily digest: each owner gets their due and overdue next actions in Slack once a day; the
unowned ones go to the leads channel; future, lost and paid ones are left out."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from sqlalchemy import update

from engine.context import Services
from engine.pipeline.capture import capture_lead
from engine.pipeline.schemas import LeadInput
from storage.models import Lead
from storage.types import utcnow
from tests.conftest import SALES, lead_data, op
from workers.jobs import send_next_action_digest


async def _lead(services: Services, *, owner: str | None, due_days: float | None, stage: str = "QUALIFIED",
                action: str = "Call back") -> int:
    lead_id = (await op(services, SALES, capture_lead, LeadInput(**lead_data()))).lead_id
    values: dict[str, Any] = {"stage": stage, "next_action": action,
                              "next_action_date": None if due_days is None else utcnow() + timedelta(days=due_days)}
    if owner:
        values["metadata_"] = {"owner": owner}
    async with services.session_factory() as s:
        await s.execute(update(Lead).where(Lead.id == lead_id).values(**values))
        await s.commit()
    return lead_id


async def test_each_owner_gets_their_due_actions_once_a_day(slack_services: Services, fake_slack: Any) -> None:
    services = slack_services
    overdue = await _lead(services, owner="UOWNER1", due_days=-3, action="Send the <@channel> case study")
    today = await _lead(services, owner="UOWNER1", due_days=-0.01)
    await _lead(services, owner="UOWNER1", due_days=5)  # not due yet
    await _lead(services, owner="UOWNER1", due_days=-1, stage="LOST")
    await _lead(services, owner="UOWNER1", due_days=-1, stage="PAID")
    other = await _lead(services, owner="UOWNER2", due_days=-0.5)
    unowned = await _lead(services, owner=None, due_days=-2)

    report = await send_next_action_digest({"services": services})
    assert report["owners"] == {"UOWNER1": [overdue, today], "UOWNER2": [other], "": [unowned]}
    msgs = await fake_slack.wait_for("chat.postMessage", 3)
    by_channel = {m.params["channel"]: m.params["text"] for m in msgs}
    assert set(by_channel) == {"UOWNER1", "UOWNER2", "C0LEADS"}
    mine = by_channel["UOWNER1"]
    assert mine.index(f"lead #{overdue}") < mine.index(f"lead #{today}") and "3 days overdue" in mine
    assert "<@channel>" not in mine and "&lt;@channel&gt;" in mine  # a client's text pings nobody
    assert "no owner" in by_channel["C0LEADS"] and f"lead #{unowned}" in by_channel["C0LEADS"]

    again = await send_next_action_digest({"services": services})
    assert again["posted"] == 3
    await asyncio.sleep(0.2)
    assert len([c for c in fake_slack.calls if c.method == "chat.postMessage"]) == 3  # once per owner per day
