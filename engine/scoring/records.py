"""What scoring sees of a stored lead: a `LeadRecord` from the lead and its client, and the
count of its interactions as a correlated subquery (shared by training, one qualification and
the batch loaders)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, func, literal, select

from engine.fx import Rates
from engine.scoring.features import LeadRecord
from storage.models import Client, FxRate, Interaction, Lead


def scoring_budget(budget: Decimal | None, currency: str | None, rates: Rates) -> tuple[float | None, str | None]:
    """A lead's budget as scoring sees it: in the agency's currency at the rate in force, with a
    note for the explanation when it was given in another currency. No rate: no amount (the budget
    tier is unknown, never guessed), and the note says which rate is missing."""
    if budget is None:
        return None, None
    if not currency or currency == rates.base:
        return float(budget), None
    given = f"{budget:,.0f} {currency}"
    converted = rates.to_base(budget, currency)
    if converted is None:
        return None, f"budget {given} (no {currency} to {rates.base} rate set: tier unknown)"
    return float(converted), f"budget {given} = {converted:,.0f} {rates.base}"


def budget_expression(rates: Rates) -> Any:
    """`scoring_budget`'s amount in SQL (the batch loader's column): the budget converted at the
    rates in force, rounded to the cent as `Rates.convert` does; NULL where no rate exists."""
    # The rate as a NUMERIC of the rates' own scale: a bare parameter would take the budget's
    # (two decimals, so 0.012 would become 0.01).
    converted = [(Lead.currency == c, func.round(Lead.budget * literal(r, FxRate.rate.type), 2))
                 for c, r in sorted(rates.rates.items())]
    return case((Lead.currency == rates.base, Lead.budget), *converted, else_=None)


def rate_missing_expression(rates: Rates) -> Any:
    """`LeadRecord.budget_rate_missing` in SQL (the batch loader's column): the lead's currency where
    it has a budget that `budget_expression` cannot convert (no rate), else NULL."""
    return case((Lead.budget.is_(None), None), (Lead.currency.in_((rates.base, *sorted(rates.rates))), None),
                else_=Lead.currency)


def lead_record(lead: Lead, client: Client, interactions: int | None, rates: Rates) -> LeadRecord:
    """What scoring sees of a stored lead. Days since first contact are counted up to the lead's
    creation, so a closed lead in training and an open one today are measured alike; the budget
    is in the agency's currency (`scoring_budget`)."""
    budget, budget_note = scoring_budget(lead.budget, lead.currency, rates)
    custom = {**(client.metadata_ or {}), **(lead.metadata_ or {})}
    return LeadRecord(
        company=client.company, email=client.email, budget=budget, industry=client.industry, source=lead.source,
        country=client.country, requirements=lead.requirements, timeline=lead.timeline,
        project_type=lead.project_type, interactions=interactions, first_contact_at=client.first_contact_at,
        as_of=lead.created_at, custom=custom, budget_note=budget_note,
        budget_rate_missing=lead.currency if lead.budget is not None and budget is None else None,
    )


def interactions_count() -> Any:
    """Interactions of the lead up to its close (after it, they would leak the outcome)."""
    return (
        select(func.count(Interaction.id))
        .where(and_(Interaction.lead_id == Lead.id,
                    Interaction.occurred_at <= func.coalesce(Lead.closed_at, Interaction.occurred_at)))
        .correlate(Lead)
        .scalar_subquery()
    )
