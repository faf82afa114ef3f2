"""generate_proposal, create_project_plan and acceptance, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from engine.audit import verify_audit_chain
from engine.context import Services
from engine.errors import GraceError, InvalidInput, PolicyDenied
from engine.pipeline.capture import capture_lead
from engine.pipeline.moves import mark_lost
from engine.pipeline.schemas import LeadInput
from engine.proposals.acceptance import accept_proposal, view_proposal
from engine.proposals.errors import (
    ProposalAlreadyAccepted,
    ProposalLinkExpired,
    ProposalLinkInvalid,
    ProposalNotOpen,
    ProposalSuperseded,
)
from engine.proposals.links import proposal_token
from engine.proposals.service import generate_proposal
from storage.models import AuditEntry, Lead, LeadStageHistory, Milestone, Project, Proposal
from tests.conftest import ADMIN, SALES, VIEWER, lead_data, op
from tests.helpers.proposals import CLIENT, signed_days_ago


async def new_lead(services: Services, **kw: Any) -> int:
    return (await op(services, SALES, capture_lead, LeadInput(**lead_data(**kw)))).lead_id


async def rows(services: Services, model: Any, *where: Any) -> list[Any]:
    async with services.session_factory() as s:
        return list((await s.execute(select(model).where(*where))).scalars())


async def test_generate_stores_prices_plans_and_moves_the_lead(services: Services) -> None:
    lead_id = await new_lead(services, budget="100000")
    res = await op(services, SALES, generate_proposal, lead_id)
    p, plan = res.proposal, res.project_plan
    assert p.version == 1 and p.fits_budget and p.discount == 0
    assert p.price == p.subtotal == sum(d.amount for d in p.deliverables)
    assert p.link.startswith("http://127.0.0.1:8000/p/")
    assert [d.name for d in p.deliverables][0] == "Discovery and scoping workshop"
    assert sum(m.share for m in plan.milestones) == 1 and sum(m.amount for m in plan.milestones) == p.price

    [lead] = await rows(services, Lead, Lead.id == lead_id)
    assert lead.stage == "PROPOSAL"
    [project] = await rows(services, Project, Project.id == plan.project_id)
    assert (project.status, project.proposal_generated, project.price, project.lead_id) == \
        ("proposed", True, p.price, lead_id)
    assert project.timeline["weeks"] == p.weeks and len(project.deliverables["items"]) == len(p.deliverables)
    ms = await rows(services, Milestone, Milestone.project_id == project.id)
    assert sum(m.amount for m in ms) == p.price and sum(m.share for m in ms) == 1
    assert ms[-1].due_at.date() == (project.created_at + timedelta(weeks=p.weeks)).date()
    actions = [a.action for a in await rows(services, AuditEntry)]
    assert {"proposal.generated", "project.planned", "lead.stage_changed"} <= set(actions)
    async with services.session_factory() as s:
        assert (await verify_audit_chain(s)).ok


async def test_regenerating_makes_version_2_keeps_v1_the_stage_and_the_project(services: Services) -> None:
    lead_id = await new_lead(services, budget=None)
    first = await op(services, SALES, generate_proposal, lead_id)
    second = await op(services, SALES, generate_proposal, lead_id, "A mobile app for iOS and Android", "20000")
    assert second.proposal.version == 2 and second.proposal.id != first.proposal.id
    assert second.project_plan.project_id == first.project_plan.project_id
    stored = await rows(services, Proposal, Proposal.lead_id == lead_id)
    assert sorted((x.version, x.status) for x in stored) == [(1, "superseded"), (2, "sent")]
    history = await rows(services, LeadStageHistory, LeadStageHistory.lead_id == lead_id)
    assert [h.to_stage for h in history] == ["LEAD", "PROPOSAL"]
    ms = await rows(services, Milestone, Milestone.project_id == first.project_plan.project_id)
    assert sum(m.amount for m in ms) == second.proposal.price  # the old plan was replaced, not added to


async def test_over_budget_trims_then_discounts_and_says_so(services: Services) -> None:
    lead_id = await new_lead(services, budget=None)
    text = "A chatbot for customer support"
    full = (await op(services, SALES, generate_proposal, lead_id, text)).proposal
    optional = sum(d.amount for d in full.deliverables if d.optional)
    budget = full.subtotal - optional - Decimal("100")
    p = (await op(services, SALES, generate_proposal, lead_id, text, budget)).proposal
    assert not any(d.optional for d in p.deliverables)
    assert p.discount == Decimal("100.00") and p.price == budget and p.fits_budget
    assert "Removed optional deliverables" in p.budget_note and "discount" in p.budget_note
    tiny = (await op(services, SALES, generate_proposal, lead_id, text, "1000")).proposal
    assert not tiny.fits_budget and tiny.price > 1000 and "does not fit" in tiny.budget_note
    assert tiny.discount <= tiny.subtotal * Decimal("0.15")


async def test_bad_inputs_are_refused_naming_the_field(services: Services) -> None:
    lead_id = await new_lead(services, requirements=None)
    with pytest.raises(InvalidInput) as e:
        await op(services, SALES, generate_proposal, lead_id)
    assert e.value.field == "requirements"
    with pytest.raises(InvalidInput) as e:
        await op(services, SALES, generate_proposal, lead_id, "an app", "lots")
    assert e.value.field == "budget"
    with pytest.raises(GraceError) as e:
        await op(services, SALES, generate_proposal, 999999)
    assert e.value.status == 404
    with pytest.raises(PolicyDenied):
        await op(services, VIEWER, generate_proposal, lead_id, "an app")
    await op(services, SALES, mark_lost, lead_id, "went elsewhere")
    with pytest.raises(ProposalNotOpen):
        await op(services, SALES, generate_proposal, lead_id, "an app")
    assert await rows(services, Proposal) == [] and await rows(services, Project) == []


async def test_accept_once_moves_to_contract_and_tells_the_team(services: Services) -> None:
    lead_id = await new_lead(services)
    res = await op(services, SALES, generate_proposal, lead_id)
    token = res.proposal.link.rsplit("/", 1)[1]
    doc = await op(services, CLIENT, view_proposal, token)
    assert doc.latest and doc.price == res.proposal.price and len(doc.milestones) == len(res.project_plan.milestones)
    done = await op(services, CLIENT, accept_proposal, token, "Ada Lovelace")
    assert done.lead_stage == "CONTRACT"
    with pytest.raises(ProposalAlreadyAccepted):
        await op(services, CLIENT, accept_proposal, token, "Ada again")
    [project] = await rows(services, Project, Project.id == res.project_plan.project_id)
    assert project.proposal_approved
    [p] = await rows(services, Proposal, Proposal.id == res.proposal.id)
    assert (p.status, p.accepted_by) == ("accepted", "Ada Lovelace")
    sent = services.notifier.sent  # type: ignore[attr-defined]
    assert len([m for m in sent if m["key"] == f"proposal-accepted:{p.id}"]) == 1
    assert "accepted proposal v1" in sent[-1]["text"]
    approved = [a for a in await rows(services, AuditEntry) if a.action == "proposal.approved"]
    assert len(approved) == 1


async def test_concurrent_accepts_record_one(services: Services) -> None:
    import asyncio

    lead_id = await new_lead(services)
    res = await op(services, SALES, generate_proposal, lead_id)
    token = res.proposal.link.rsplit("/", 1)[1]
    outcomes = await asyncio.gather(*(op(services, CLIENT, accept_proposal, token, f"n{i}") for i in range(4)),
                                    return_exceptions=True)
    assert sum(not isinstance(o, BaseException) for o in outcomes) == 1
    approved = [a for a in await rows(services, AuditEntry) if a.action == "proposal.approved"]
    assert len(approved) == 1


async def test_old_versions_and_bad_links_cannot_be_accepted(services: Services) -> None:
    lead_id = await new_lead(services)
    v1 = await op(services, SALES, generate_proposal, lead_id)
    await op(services, SALES, generate_proposal, lead_id)
    old = v1.proposal.link.rsplit("/", 1)[1]
    assert not (await op(services, CLIENT, view_proposal, old)).latest
    with pytest.raises(ProposalSuperseded):
        await op(services, CLIENT, accept_proposal, old, "Ada")
    with pytest.raises(ProposalLinkInvalid):
        await op(services, CLIENT, view_proposal, old[:-2] + ("AA" if not old.endswith("AA") else "BB"))
    forged = proposal_token(services.settings.model_copy(update={"secret_key": "another key"}), v1.proposal.id)
    with pytest.raises(ProposalLinkInvalid):
        await op(services, CLIENT, accept_proposal, forged, "Mallory")
    expired = signed_days_ago(31, lambda: proposal_token(services.settings, v1.proposal.id))
    with pytest.raises(ProposalLinkExpired):
        await op(services, CLIENT, view_proposal, expired)


class RecordingArchitect:
    """Records what it was given; writes the offline draft, with `extra` appended to the summary."""

    def __init__(self, extra: str = "") -> None:
        self.extra = extra
        self.seen: list[str] = []

    async def draft(self, request: Any, catalog: Any) -> Any:
        from engine.proposals.architect import OfflineArchitect

        self.seen.append(request.requirements)
        d = await OfflineArchitect().draft(request, catalog)
        return d.model_copy(update={"summary": d.summary + self.extra})


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_hunter_masks_requirements_before_the_architect_reads_them(services: Services) -> None:
    architect = services.architect = RecordingArchitect()
    lead_id = await new_lead(services)
    res = await op(services, SALES, generate_proposal, lead_id,
                   "A chatbot; pay with card 4111 1111 1111 1111, our key sk_live_51HqLyjWDarjtT1zdp7dcXyz12")
    [seen] = architect.seen
    assert "4111 1111 1111 1111" not in seen and "sk_live_51HqLyjWDarjtT1zdp7dcXyz12" not in seen
    assert "[redacted" in seen
    [p] = await rows(services, Proposal, Proposal.id == res.proposal.id)
    assert "4111 1111" not in p.requirements and "4111 1111" not in p.summary
    assert "sk_live" not in p.requirements
    audits = await rows(services, AuditEntry, AuditEntry.action == "hunter.screened")
    assert audits and audits[-1].details["kind"] == "requirements"


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_a_private_key_in_the_requirements_refuses_the_proposal(services: Services) -> None:
    services.architect = architect = RecordingArchitect()
    lead_id = await new_lead(services)
    key = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n" \
          "-----END RSA PRIVATE KEY-----"
    with pytest.raises(PolicyDenied) as e:
        await op(services, SALES, generate_proposal, lead_id, f"Our server key is\n{key}")
    assert "Hunter" in e.value.message and architect.seen == []
    assert await rows(services, Proposal) == []


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_hunter_masks_a_mass_mention_in_what_the_architect_wrote(services: Services) -> None:
    services.architect = RecordingArchitect(" <!channel> see <http://evil.example|bank.com>")
    res = await op(services, SALES, generate_proposal, await new_lead(services))
    [p] = await rows(services, Proposal, Proposal.id == res.proposal.id)
    assert "<!channel>" not in p.summary and "evil.example|bank.com" not in p.summary
    assert "[removed: mass mention]" in p.summary


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_a_script_in_what_the_architect_wrote_is_never_stored(services: Services) -> None:
    services.architect = RecordingArchitect("<script>document.location='https://evil.example'</script>")
    lead_id = await new_lead(services)
    with pytest.raises(PolicyDenied) as e:
        await op(services, SALES, generate_proposal, lead_id)
    assert "Generated output was refused by Hunter" in e.value.message
    assert await rows(services, Proposal) == []


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_admin_may_generate_and_viewer_may_not_accept(services: Services) -> None:
    lead_id = await new_lead(services)
    res = await op(services, ADMIN, generate_proposal, lead_id)
    with pytest.raises(PolicyDenied):
        await op(services, VIEWER, accept_proposal, res.proposal.link.rsplit("/", 1)[1])


async def test_a_new_version_after_acceptance_gets_its_own_project(services: Services) -> None:
    from engine.proposals.plans import create_project_plan

    lead_id = await new_lead(services)
    first = await op(services, SALES, generate_proposal, lead_id)
    await op(services, CLIENT, accept_proposal, first.proposal.link.rsplit("/", 1)[1], "Ada")
    second = await op(services, SALES, generate_proposal, lead_id, "Add a mobile app")
    assert second.project_plan.project_id != first.project_plan.project_id
    ms = await rows(services, Milestone, Milestone.project_id == first.project_plan.project_id)
    assert sum(m.amount for m in ms) == first.proposal.price  # the accepted plan is untouched
    [lead] = await rows(services, Lead, Lead.id == lead_id)
    assert lead.stage == "CONTRACT"
    again = await op(services, SALES, create_project_plan, second.proposal.id)
    assert again.project_id == second.project_plan.project_id
    with pytest.raises(GraceError) as e:
        await op(services, SALES, create_project_plan, 424242)
    assert e.value.status == 404


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_same_requirements_and_budget_give_the_same_proposal_end_to_end(services: Services) -> None:
    text = "Semantic search over our PDF contracts, with a dashboard of usage and an iOS app"
    a = await op(services, SALES, generate_proposal, await new_lead(services), text, "60000")
    b = await op(services, SALES, generate_proposal, await new_lead(services), text, "60000")
    strip = {"id", "link"}
    assert a.proposal.model_dump(exclude=strip) == b.proposal.model_dump(exclude=strip)
    assert [m.model_dump() for m in a.project_plan.milestones] == [m.model_dump() for m in b.project_plan.milestones]
