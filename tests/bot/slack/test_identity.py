"""Signed Slack requests from people who are not on the team: no role, only help, no client data."""

from __future__ import annotations

import asyncio

from engine.pipeline.capture import capture_lead
from engine.pipeline.schemas import LeadInput
from tests.bot.slack.conftest import VIEWER_USER
from tests.conftest import SALES, lead_data, op

STRANGER = "U0STRANGER"


async def test_a_stranger_reads_nothing_with_grace_lead(slack, slack_services, fake_slack):
    lead = await op(slack_services, SALES, capture_lead, LeadInput(**lead_data(
        name="Grace Secretkeeper", email="grace.secret@example.com", budget="48000",
        requirements="Confidential migration of our payroll system")))
    for text in (f"lead {lead.lead_id}", "pipeline", "revenue", "find leads", f"show lead #{lead.lead_id}"):
        r = await slack.command(text, user=STRANGER)
        assert r.status_code == 200
    await asyncio.sleep(1.0)
    seen = " ".join(str(c.params) for c in fake_slack.calls) + r.text
    for secret in ("Grace Secretkeeper", "grace.secret@example.com", "48000", "48,000", "payroll"):
        assert secret not in seen, secret

    # A viewer on the team still sees the lead: the rule is about who is on the team.
    before = len(fake_slack.calls)
    await slack.command(f"lead {lead.lead_id}", user=VIEWER_USER)
    for _ in range(50):
        if any("Grace Secretkeeper" in str(c.params) for c in fake_slack.calls[before:]):
            break
        await asyncio.sleep(0.1)
    assert any("Grace Secretkeeper" in str(c.params) for c in fake_slack.calls[before:]), fake_slack.calls[before:]
