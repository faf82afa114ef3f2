"""Signed Slack requests: who has a role, and where a client's data is shown.

Strangers, workspace guests and external (Slack Connect) users have no role: they get only how
to be added, even when the team table names them. A team member's answer that shows a client's
data goes to them alone (ephemeral) unless they ask to share it.
"""

from __future__ import annotations

import asyncio
from typing import Any

from engine.pipeline.capture import capture_lead
from engine.pipeline.schemas import LeadInput
from engine.team import add_team_member
from tests.conftest import ADMIN, SALES, lead_data, op
from tests.helpers.slack import SALES_USER, VIEWER_USER

STRANGER = "U0STRANGER"
GUEST = "UGUEST01"  # on the team table, but a guest in the workspace
EXTERNAL = "UEXT0001"  # on the team table, but from another workspace
SECRETS = ("Grace Secretkeeper", "grace.secret@example.com", "48000", "48,000", "payroll")


async def secret_lead(services: Any) -> int:
    lead = await op(services, SALES, capture_lead, LeadInput(**lead_data(
        name="Grace Secretkeeper", email="grace.secret@example.com", budget="48000",
        requirements="Confidential migration of our payroll system")))
    return int(lead.lead_id)


async def settle(fake_slack: Any, before: int, quiet: float = 1.0) -> list[Any]:
    """The calls made after `before`, once none arrived for `quiet` seconds."""
    seen = -1
    while seen != len(fake_slack.calls):
        seen = len(fake_slack.calls)
        await asyncio.sleep(quiet)
    return fake_slack.calls[before:]


async def test_strangers_guests_and_external_users_read_nothing(slack, slack_services, fake_slack):
    await op(slack_services, ADMIN, add_team_member, GUEST, "Gus Guest", "sales")
    await op(slack_services, ADMIN, add_team_member, EXTERNAL, "Eve External", "admin")
    lead_id = await secret_lead(slack_services)
    for user in (STRANGER, GUEST, EXTERNAL):
        before = len(fake_slack.calls)
        for text in (f"lead {lead_id}", f"lead {lead_id} share", "find leads", f"show lead #{lead_id}"):
            assert (await slack.command(text, user=user)).status_code == 200
        calls = await settle(fake_slack, before)
        seen = " ".join(str(c.params) for c in calls)
        for secret in SECRETS:
            assert secret not in seen, (user, secret)
        assert "not on Grace's team" in seen or "may not" in seen, (user, seen[:500])


async def test_a_members_client_data_goes_to_them_alone_unless_they_share(slack, slack_services, fake_slack):
    lead_id = await secret_lead(slack_services)
    before = len(fake_slack.calls)
    await slack.command(f"lead {lead_id}", user=VIEWER_USER, channel="C0LEADS")
    calls = await settle(fake_slack, before)
    private = [c for c in calls if c.method == "chat.postEphemeral" and "Grace Secretkeeper" in str(c.params)]
    assert private and private[0].params["user"] == VIEWER_USER
    assert not [c for c in calls if c.method == "chat.postMessage" and "Secretkeeper" in str(c.params)]

    before = len(fake_slack.calls)
    await slack.command(f"lead {lead_id} share", user=VIEWER_USER, channel="C0LEADS")
    calls = await settle(fake_slack, before)
    assert [c for c in calls if c.method == "chat.postMessage" and "Grace Secretkeeper" in str(c.params)]

    before = len(fake_slack.calls)  # figures about no one in particular stay in the channel
    await slack.command("pipeline", user=SALES_USER, channel="C0LEADS")
    calls = await settle(fake_slack, before)
    assert [c for c in calls if c.method == "chat.postMessage" and "Pipeline" in str(c.params)]
