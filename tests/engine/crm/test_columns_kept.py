"""The CRM columns are kept by the operations themselves: capture, moves, proposals, acceptance."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from engine.context import Services
from engine.pipeline.capture import capture_lead
from engine.pipeline.leads import get_client, get_lead
from engine.pipeline.moves import mark_lost, move_to_stage
from engine.pipeline.schemas import LeadInput, StageMoveInput
from engine.proposals.acceptance import accept_proposal
from engine.proposals.links import proposal_token
from engine.proposals.service import generate_proposal
from storage.models import Client, Interaction, Lead, Project
from tests.conftest import ADMIN, SALES, lead_data, op
from tests.helpers.proposals import CLIENT


async def _get(services: Services, model: type, id_: int) -> object:
    async with services.session_factory() as s:
        return await s.get(model, id_)


async def test_a_lead_s_milestones_value_and_client_status_follow_its_moves(services: Services) -> None:
    cap = await op(services, SALES, capture_lead, LeadInput(**lead_data(budget="USD 9,000")))
    lead = await op(services, SALES, get_lead, cap.lead_id)
    assert (lead.value_estimate, lead.currency, lead.qualified_at, lead.converted_at, lead.lost_at) == \
        (Decimal("9000.00"), "USD", None, None, None)
    client = await op(services, SALES, get_client, cap.client_id)
    assert client.status == "prospect"
    async with services.session_factory() as s:
        [capture] = (await s.execute(select(Interaction).where(Interaction.lead_id == cap.lead_id))).scalars()
    assert (capture.automated, capture.grace_generated, capture.human_approved) == (False, False, None)

    await op(services, SALES, move_to_stage, cap.lead_id, StageMoveInput(stage="QUALIFIED"))
    qualified_at = (await op(services, SALES, get_lead, cap.lead_id)).qualified_at
    assert qualified_at is not None

    res = await op(services, SALES, generate_proposal, cap.lead_id)
    lead = await op(services, SALES, get_lead, cap.lead_id)
    # The proposal's price is the new estimate; reaching PROPOSAL does not move qualified_at.
    assert (lead.stage, lead.value_estimate, lead.qualified_at) == ("PROPOSAL", res.proposal.price, qualified_at)
    project = await _get(services, Project, res.project_plan.project_id)
    assert isinstance(project, Project)
    assert project.contract_signed is False and project.start_date is not None
    assert project.end_date == res.project_plan.milestones[-1].due

    token = proposal_token(services.settings, res.proposal.id)
    await op(services, CLIENT, accept_proposal, token, "Ada Lovelace")
    lead = await op(services, SALES, get_lead, cap.lead_id)
    assert lead.stage == "CONTRACT" and lead.converted_at is not None and lead.lost_at is None
    project = await _get(services, Project, res.project_plan.project_id)
    assert isinstance(project, Project) and project.contract_signed is True
    client_row = await _get(services, Client, cap.client_id)
    assert isinstance(client_row, Client) and client_row.status == "active"


async def test_a_proposal_priced_in_another_currency_without_a_rate_keeps_the_estimate(services: Services) -> None:
    cap = await op(services, SALES, capture_lead, LeadInput(**lead_data(budget="EUR 9,000")))
    await op(services, SALES, generate_proposal, cap.lead_id)  # priced in USD: no EUR rate is set
    lead = await op(services, SALES, get_lead, cap.lead_id)
    assert (lead.stage, lead.currency, lead.value_estimate) == ("PROPOSAL", "EUR", Decimal("9000.00"))


async def test_lost_at_is_set_when_lost_and_cleared_on_reopening(services: Services) -> None:
    cap = await op(services, SALES, capture_lead, LeadInput(**lead_data()))
    # A sale may skip QUALIFIED: reaching PROPOSAL counts as qualified.
    await op(services, SALES, move_to_stage, cap.lead_id, StageMoveInput(stage="PROPOSAL"))
    await op(services, SALES, mark_lost, cap.lead_id, "went with a competitor")
    lead = await _get(services, Lead, cap.lead_id)
    assert isinstance(lead, Lead)
    assert lead.lost_at is not None and lead.qualified_at is not None and lead.converted_at is None
    await op(services, ADMIN, move_to_stage, cap.lead_id, StageMoveInput(stage="LEAD", reason="they came back"))
    lead = await _get(services, Lead, cap.lead_id)
    assert isinstance(lead, Lead) and lead.lost_at is None and lead.qualified_at is not None


async def test_a_lead_captured_straight_into_qualified_is_dated(services: Services) -> None:
    from engine.pipeline.stages import Stage

    async def capture(ctx: object) -> object:
        return await capture_lead(ctx, LeadInput(**lead_data()), initial_stage=Stage.QUALIFIED)  # type: ignore[arg-type]

    cap = await op(services, SALES, capture)
    lead = await op(services, SALES, get_lead, cap.lead_id)
    assert lead.qualified_at is not None and lead.converted_at is None
