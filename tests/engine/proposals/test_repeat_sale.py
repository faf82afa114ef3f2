"""A REPEAT lead (a returning client's new project) is sold again: proposal, acceptance, CONTRACT;
the acceptance message states the stage the lead actually reached, with client text escaped."""

from __future__ import annotations

from typing import Any

import pytest

from engine.errors import IllegalStageMove
from engine.pipeline.capture import capture_lead
from engine.pipeline.moves import move_to_stage
from engine.pipeline.schemas import LeadInput, StageMoveInput
from engine.proposals.acceptance import accept_proposal
from engine.proposals.service import generate_proposal
from tests.conftest import ADMIN, SALES, lead_data, op
from tests.helpers.proposals import CLIENT

OVERRIDE = "recorded by an admin: the first project's paperwork predates Grace"
TO_REPEAT = ["QUALIFIED", "CONTRACT", "ACTIVE", "DELIVERED", "PAID", "REPEAT"]


async def lead_at(services: Any, stages: list[str], **kw: Any) -> int:
    lead_id = (await op(services, SALES, capture_lead, LeadInput(**lead_data(**kw)))).lead_id
    for stage in stages:
        # an admin's recorded override stands in for the facts of an earlier project
        await op(services, ADMIN, move_to_stage, lead_id, StageMoveInput(stage=stage, reason=OVERRIDE))
    return lead_id


def accepted_message(services: Any, proposal_id: int) -> str:
    sent = services.notifier.sent
    [text] = [m["text"] for m in sent if m["key"] == f"proposal-accepted:{proposal_id}"]
    return str(text)


async def test_a_repeat_lead_gets_a_proposal_and_a_contract(services: Any) -> None:
    lead_id = await lead_at(services, TO_REPEAT, name="<https://evil.example|Open signed contract>")
    res = await op(services, SALES, generate_proposal, lead_id, "a second app")
    token = res.proposal.link.rsplit("/", 1)[1]
    done = await op(services, CLIENT, accept_proposal, token, "<!channel> Ada")
    assert done.lead_stage == "CONTRACT"
    text = accepted_message(services, res.proposal.id)
    assert f"Lead #{lead_id} is now in CONTRACT." in text
    assert "<!channel>" not in text and "&lt;!channel&gt; Ada" in text
    # the new project is delivered like any other: CONTRACT -> ACTIVE is allowed again
    await op(services, ADMIN, move_to_stage, lead_id, StageMoveInput(stage="ACTIVE", reason=OVERRIDE))


async def test_a_repeat_lead_can_be_lost_but_not_jump_to_delivery(services: Any) -> None:
    lead_id = await lead_at(services, TO_REPEAT)
    with pytest.raises(IllegalStageMove):
        await op(services, ADMIN, move_to_stage, lead_id, StageMoveInput(stage="ACTIVE", reason=OVERRIDE))
    moved = await op(services, SALES, move_to_stage, lead_id, StageMoveInput(stage="LOST", reason="budget cut"))
    assert moved.to_stage == "LOST"


async def test_acceptance_of_a_lead_past_contract_says_where_it_is(services: Any) -> None:
    lead_id = await lead_at(services, ["QUALIFIED", "PROPOSAL"])
    res = await op(services, SALES, generate_proposal, lead_id, "an app")
    await op(services, ADMIN, move_to_stage, lead_id, StageMoveInput(stage="CONTRACT", reason=OVERRIDE))
    await op(services, ADMIN, move_to_stage, lead_id, StageMoveInput(stage="ACTIVE", reason=OVERRIDE))
    token = res.proposal.link.rsplit("/", 1)[1]
    done = await op(services, CLIENT, accept_proposal, token, "Ada")
    assert done.lead_stage == "ACTIVE"
    assert f"Lead #{lead_id} is still in ACTIVE." in accepted_message(services, res.proposal.id)
