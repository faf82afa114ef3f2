"""Alerts are posted once when a condition starts and once when it ends."""

from datetime import timedelta

from sqlalchemy import update

from engine.actors import Actor
from engine.monitoring.alerts import run_alert_checks
from engine.pipeline.capture import capture_lead
from engine.pipeline.moves import move_to_stage
from engine.pipeline.schemas import LeadInput, StageMoveInput
from storage.models import Lead
from storage.types import utcnow
from tests.conftest import SALES, lead_data, op

SYSTEM = Actor.system("alerts")


async def test_stuck_alert_posted_once_then_cleared(slack_services, fake_slack):
    services = slack_services
    lead_id = (await op(services, SALES, capture_lead, LeadInput(**lead_data()))).lead_id
    async with services.session_factory() as s:
        await s.execute(update(Lead).where(Lead.id == lead_id).values(stage_changed_at=utcnow() - timedelta(days=20)))
        await s.commit()
    first = await op(services, SYSTEM, run_alert_checks)
    again = await op(services, SYSTEM, run_alert_checks)
    assert first.opened == ["stuck:LEAD"] and again.opened == [] and again.open == ["stuck:LEAD"]
    await fake_slack.wait_for("chat.postMessage", 1)
    await op(services, SALES, move_to_stage, lead_id, StageMoveInput(stage="QUALIFIED"))
    done = await op(services, SYSTEM, run_alert_checks)
    assert done.cleared == ["stuck:LEAD"]
    msgs = await fake_slack.wait_for("chat.postMessage", 2)
    texts = [m.params["text"] for m in msgs]
    assert len(texts) == 2 and "stuck in LEAD" in texts[0] and texts[1].startswith(":white_check_mark: Resolved")
    assert all(m.params["channel"] == "C0ALERTS" for m in msgs)


async def test_low_qualification_rate(services):
    for _ in range(services.settings.alert_min_leads):
        await op(services, SALES, capture_lead, LeadInput(**lead_data()))
    run = await op(services, SYSTEM, run_alert_checks)
    assert "qualification_rate" in run.opened


async def test_error_rate_source(services):
    async def high():
        return 0.5

    services.error_rate = high
    assert "error_rate" in (await op(services, SYSTEM, run_alert_checks)).opened
