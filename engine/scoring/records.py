"""What scoring sees of a stored lead: a `LeadRecord` from the lead and its client, and the
count of its interactions as a correlated subquery (shared by training, one qualification and
the batch loaders)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, func, select

from engine.scoring.features import LeadRecord
from storage.models import Client, Interaction, Lead


def lead_record(lead: Lead, client: Client, interactions: int | None) -> LeadRecord:
    """What scoring sees of a stored lead. Days since first contact are counted up to the lead's
    creation, so a closed lead in training and an open one today are measured alike."""
    budget = float(lead.budget) if lead.budget is not None else None
    custom = {**(client.metadata_ or {}), **(lead.metadata_ or {})}
    return LeadRecord(
        company=client.company, email=client.email, budget=budget, industry=client.industry, source=lead.source,
        country=client.country, requirements=lead.requirements, timeline=lead.timeline,
        project_type=lead.project_type, interactions=interactions, first_contact_at=client.first_contact_at,
        as_of=lead.created_at, custom=custom,
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
