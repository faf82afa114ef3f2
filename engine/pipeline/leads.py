"""The lead store: loading a lead, saving its columns, and the views of leads and clients."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from engine.cache import TTL_CLIENT, cached
from engine.context import OperationContext
from engine.errors import ClientNotFound, LeadNotFound
from engine.pipeline.repository import lead_params, lead_update, write
from engine.pipeline.schemas import ClientView, LeadPage, LeadView
from engine.pipeline.stages import parse_stage
from storage.db import dialect_name
from storage.models import Client, Lead


async def load_lead(session: AsyncSession, lead_id: int, *, for_update: bool = False) -> Lead:
    stmt = select(Lead).where(Lead.id == lead_id)
    if for_update and dialect_name(session) == "postgresql":
        stmt = stmt.with_for_update()
    lead = (await session.execute(stmt)).scalar_one_or_none()
    if lead is None:
        raise LeadNotFound(lead_id)
    return lead


async def save_lead(ctx: OperationContext, lead: Lead, values: dict[str, Any]) -> None:
    """Write `values` (the lead's columns) onto the stored lead in one UPDATE, and tell the loaded
    object the stored values, so the session never holds a stale lead."""
    await write(ctx, (lead_update(tuple(values)),), lead_params(lead.id, values))
    mark_stored(lead, values)


def mark_stored(lead: Lead, values: dict[str, Any]) -> None:
    for name, value in values.items():
        set_committed_value(lead, name, value)


def lead_view(lead: Lead, client: Client) -> LeadView:
    return LeadView(
        id=lead.id, client_id=client.id, client_name=client.name, email=client.email, company=client.company,
        source=lead.source, stage=lead.stage, score=lead.score, close_probability=lead.close_probability,
        budget=lead.budget, currency=lead.currency, industry=client.industry, country=client.country,
        project_type=lead.project_type, requirements=lead.requirements, timeline=lead.timeline,
        referrer=lead.referrer, next_action=lead.next_action, next_action_date=lead.next_action_date,
        lost_reason=lead.lost_reason, value_estimate=lead.value_estimate, owner=(lead.metadata_ or {}).get("owner"),
        qualified_at=lead.qualified_at, converted_at=lead.converted_at, lost_at=lead.lost_at,
        created_at=lead.created_at, stage_changed_at=lead.stage_changed_at, metadata=lead.metadata_ or {},
    )


async def get_lead(ctx: OperationContext, lead_id: int) -> LeadView:
    ctx.check_policy("view_leads")
    row = (
        await ctx.session.execute(select(Lead, Client).join(Client, Lead.client_id == Client.id).where(Lead.id == lead_id))
    ).first()
    if row is None:
        raise LeadNotFound(lead_id)
    return lead_view(row[0], row[1])


async def find_leads(ctx: OperationContext, *, stage: str | None = None, source: str | None = None,
                     query: str | None = None, limit: int = 50, offset: int = 0) -> LeadPage:
    """Leads filtered by stage, source and a text found in name, e-mail, company or requirements."""
    ctx.check_policy("view_leads")
    stmt = select(Lead, Client).join(Client, Lead.client_id == Client.id)
    if stage:
        stmt = stmt.where(Lead.stage == parse_stage(stage).value)
    if source:
        stmt = stmt.where(Lead.source == source.strip().lower())
    if query:
        like = f"%{query.strip().lower()}%"
        stmt = stmt.where(or_(func.lower(Client.name).like(like), Client.email_normalized.like(like),
                              func.lower(Client.company).like(like), func.lower(Lead.requirements).like(like)))
    total = (await ctx.session.execute(select(func.count()).select_from(stmt.subquery()))).scalar_one()
    rows = (await ctx.session.execute(stmt.order_by(Lead.id.desc()).limit(limit).offset(offset))).all()
    return LeadPage(items=[lead_view(lead, client) for lead, client in rows], total=total, limit=limit, offset=offset)


async def get_client(ctx: OperationContext, client_id: int) -> ClientView:
    """A client with its leads; cached for an hour, invalidated by any change to the client."""
    ctx.check_policy("view_leads")

    async def compute() -> dict[str, Any]:
        return (await _client_view(ctx, client_id)).model_dump(mode="json")

    return ClientView.model_validate(
        await cached(ctx.services.cache, f"client:{client_id}:", "view", TTL_CLIENT, compute))


async def _client_view(ctx: OperationContext, client_id: int) -> ClientView:
    client = await ctx.session.get(Client, client_id)
    if client is None:
        raise ClientNotFound(client_id)
    lead_ids = (await ctx.session.execute(select(Lead.id).where(Lead.client_id == client_id).order_by(Lead.id))).scalars().all()
    return ClientView(
        id=client.id, name=client.name, email=client.email, company=client.company, industry=client.industry,
        country=client.country, timezone=client.timezone, lifetime_value=client.lifetime_value,
        currency=client.currency, project_count=client.project_count, satisfaction_score=client.satisfaction_score,
        status=client.status, preferred_contact=client.preferred_contact, notes=client.notes,
        owner=(client.metadata_ or {}).get("owner"), created_at=client.created_at, lead_ids=list(lead_ids), metadata=client.metadata_ or {},
    )
