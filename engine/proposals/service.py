"""`generate_proposal`: requirements -> Hunter -> Architect draft -> Hunter -> pricing -> stored version -> plan."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update

from engine.context import OperationContext
from engine.errors import InvalidInput
from engine.fx import Rates, rates_for
from engine.hunter import guard_output, screen_text
from engine.mailing import email_client
from engine.money import parse_amount
from engine.pipeline.leads import load_lead, save_lead
from engine.pipeline.moves import set_stage
from engine.pipeline.stages import ALLOWED_MOVES, Stage
from engine.ports import Architect
from engine.proposals.architect import Draft, DraftRequest, OfflineArchitect, complete_draft
from engine.proposals.catalog import Catalog, load_catalog
from engine.proposals.errors import ProposalNotOpen
from engine.proposals.links import proposal_link
from engine.proposals.plans import create_project_plan
from engine.proposals.pricing import Pricing, price_draft
from engine.proposals.schemas import DeliverableOut, GenerateProposalResult, ProposalOut
from storage.models import Client, Proposal
from storage.types import utcnow

_OFFLINE = OfflineArchitect()


def architect_for(ctx: OperationContext) -> Architect:
    """The Architect chosen at start-up (`Services.architect`), else the offline one."""
    return ctx.services.architect or _OFFLINE


def catalog_for(ctx: OperationContext) -> Catalog:
    return load_catalog(ctx.settings.catalog_path)


def guard_draft(ctx: OperationContext, draft: Draft) -> Draft:
    """Hunter on what the Architect wrote, before it is stored and shown on the client's page or in
    Slack: secrets, card numbers, mass mentions and disguised links masked; a script refuses the
    proposal (`OutputBlocked`)."""
    data = guard_output(draft.model_dump(mode="json"), kind="proposal", action="generate_proposal",
                        role=ctx.actor.role.value)
    for d in data.get("deliverables", []):
        d["name"] = d["name"][:200]  # a masked name may be longer than the original
    return Draft.model_validate(data)


def _budget(value: Any, lead_budget: Decimal | None, lead_currency: str, rates: Rates) -> Decimal | None:
    """The budget to price against, in the lead's currency: the lead's own, or the one given here
    (converted at the set rate when it is typed in another currency; refused without a rate)."""
    if value is None or value == "":
        return lead_budget
    try:
        amount, typed = parse_amount(value)
    except ValueError as e:
        raise InvalidInput(f"budget: {e}", field="budget") from None
    if typed is None or typed == lead_currency:
        return amount
    converted = rates.convert(amount, typed, lead_currency)
    if converted is None:
        raise InvalidInput(f"budget: it is in {typed} but the lead counts in {lead_currency}, and no exchange "
                           f"rate converts them; set one with `grace fx set`, or give the budget in "
                           f"{lead_currency}.", field="budget")
    return converted


def _priced_in(catalog: Catalog, currency: str, rates: Rates) -> tuple[Catalog, str, str | None]:
    """The catalog in the client's currency: its own rates for that currency when it has them,
    else the agency's converted at the set rate (the sentence states it); with neither, the
    agency's own catalog and currency."""
    if currency == rates.base:
        return catalog, currency, None
    own = catalog.in_currency(currency)
    if own is not None:
        return own, currency, f"Priced in {currency} from the catalog's {currency} rates."
    rate = rates.rate(currency)
    if rate is None:
        return catalog, rates.base, (f"Priced in {rates.base}: no exchange rate for {currency} is set, so the "
                                     f"budget could not be compared.")
    return catalog.converted(Decimal(1) / rate), currency, \
        f"Priced in {currency} at 1 {currency} = {rate} {rates.base}."


async def generate_proposal(ctx: OperationContext, lead_id: int, requirements: str | None = None,
                            budget: Decimal | str | int | None = None) -> GenerateProposalResult:
    """Draft, price and store a new version of the lead's proposal; the lead moves to PROPOSAL
    (when that move is allowed) and the project plan is created or refreshed."""
    ctx.check_policy("generate_proposal")
    lead = await load_lead(ctx.session, lead_id)
    if lead.stage == Stage.LOST.value:
        raise ProposalNotOpen(f"Lead #{lead_id} is lost; reopen it before proposing.", field="lead_id")
    text = (requirements if requirements is not None else lead.requirements or "").strip()
    if not text:
        raise InvalidInput(f"Lead #{lead_id} has no requirements: say what the client needs.", field="requirements")
    if len(text) > ctx.settings.max_text_length:
        raise InvalidInput(f"requirements is longer than {ctx.settings.max_text_length} characters",
                           field="requirements")
    rates = await rates_for(ctx)
    amount = _budget(budget, lead.budget, lead.currency, rates)
    client = await ctx.session.get(Client, lead.client_id)
    assert client is not None
    # Hunter, before the Architect (a model) reads the client's text: masked or refused.
    text, _ = await screen_text(ctx, "requirements", text, action="generate_proposal",
                                what=f"the requirements of lead #{lead_id}")

    catalog, currency, fx_note = _priced_in(catalog_for(ctx), lead.currency, rates)
    unconvertible = amount if currency != lead.currency else None
    if unconvertible is not None:
        amount = None  # a budget in a currency the price cannot be compared with: priced without it
    architect = architect_for(ctx)
    draft = await architect.draft(DraftRequest(requirements=text, client_name=client.name,
                                               company=client.company or ""), catalog)
    draft = complete_draft(draft, catalog)
    draft = guard_draft(ctx, draft)
    pricing = price_draft(draft.deliverables, catalog, budget=amount, max_discount=ctx.settings.max_discount,
                          capacity=ctx.settings.weekly_capacity_hours, buffer=ctx.settings.timeline_buffer,
                          currency=currency)
    if unconvertible is not None:
        # Nobody can say it fits: not "fits", and the note says why.
        pricing = pricing.model_copy(update={"fits_budget": False, "budget_note": fx_note})
    elif fx_note:
        pricing = pricing.model_copy(update={"budget_note": f"{pricing.budget_note} {fx_note}".strip()})
    # The discount pricing needed to fit the budget, as a share of the subtotal, against the policy's cap.
    share = pricing.discount / pricing.subtotal if pricing.subtotal > 0 else Decimal(0)
    ctx.check_conditions("generate_proposal", {"discount": share, "stage": lead.stage})

    lead = await load_lead(ctx.session, lead_id, for_update=True)  # serialises versions of one lead
    proposal = await _store(ctx, lead.id, lead.client_id, currency, text, draft, pricing)
    ctx.audit("proposal.generated", f"proposal:{proposal.id}", lead_id=lead.id, version=proposal.version,
              architect=draft.architect, price=str(pricing.price), discount=str(pricing.discount),
              budget=str(amount) if amount is not None else None, fits_budget=pricing.fits_budget,
              weeks=pricing.weeks, removed=[x.name for x in pricing.removed])
    # The latest proposal's price is what the deal is expected to be worth (same currency: the lead's).
    # (Priced in another currency with no rate to convert back: the estimate stays what it was.)
    estimate = pricing.price if currency == lead.currency else rates.convert(pricing.price, currency, lead.currency)
    also = {"value_estimate": estimate} if estimate is not None else {}
    if lead.stage != Stage.PROPOSAL.value and Stage.PROPOSAL in ALLOWED_MOVES[Stage(lead.stage)]:
        await set_stage(ctx, lead, Stage.PROPOSAL, f"proposal v{proposal.version} generated", also=also)
    elif also:
        await save_lead(ctx, lead, also)
    plan = await create_project_plan(ctx, proposal)
    link = proposal_link(ctx.settings, proposal.id)
    emailed = await email_client(
        ctx, client, what=f"Proposal v{proposal.version}", subject=f"Our proposal: {proposal.title}"[:200],
        body=f"Here is our proposal “{proposal.title}”: {proposal.currency} {pricing.price:,.2f}, about "
             f"{pricing.weeks} weeks. You can read it and accept it online.",
        link=link, cta="Read the proposal", lead_id=lead.id, project_id=plan.project_id)
    ctx.emit("proposal.generated", proposal_id=proposal.id, lead_id=lead.id, version=proposal.version,
             price=str(pricing.price), project_id=plan.project_id)
    return GenerateProposalResult(
        proposal=ProposalOut(
            id=proposal.id, version=proposal.version,
            deliverables=[DeliverableOut(name=x.name, role=x.role, hours=x.hours, rate=x.rate, amount=x.amount,
                                         optional=x.optional) for x in pricing.lines],
            total_hours=pricing.total_hours, subtotal=pricing.subtotal, discount=pricing.discount,
            price=pricing.price, currency=currency, fits_budget=pricing.fits_budget, budget_note=pricing.budget_note,
            weeks=pricing.weeks, link=link, emailed_to=client.email if emailed else None),
        project_plan=plan,
    )


async def _store(ctx: OperationContext, lead_id: int, client_id: int, currency: str, requirements: str,
                 draft: Draft, pricing: Pricing) -> Proposal:
    s = ctx.session
    last = (await s.execute(select(func.max(Proposal.version)).where(Proposal.lead_id == lead_id))).scalar()
    await s.execute(update(Proposal).where(Proposal.lead_id == lead_id, Proposal.status == "sent")
                    .values(status="superseded"))
    proposal = Proposal(
        lead_id=lead_id, client_id=client_id, version=(last or 0) + 1, status="sent", architect=draft.architect,
        title=draft.title[:300], summary=draft.summary, requirements=requirements,
        content={
            "lines": [x.model_dump(mode="json") for x in pricing.lines],
            "removed": [x.model_dump(mode="json") for x in pricing.removed],
            "services": draft.services, "assumptions": draft.assumptions, "risks": draft.risks,
            "out_of_scope": draft.out_of_scope,
        },
        budget=pricing.budget, currency=currency, total_hours=pricing.total_hours, subtotal=pricing.subtotal,
        discount=pricing.discount, price=pricing.price, cost=pricing.cost, fits_budget=pricing.fits_budget,
        budget_note=pricing.budget_note, weeks=pricing.weeks, created_by=ctx.actor.label, created_at=utcnow(),
    )
    s.add(proposal)
    await s.flush()
    return proposal
