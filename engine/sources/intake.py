"""The common end of every outside way in: exactly-once capture, interactions, telling the team."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from sqlalchemy import select

from engine.context import OperationContext
from engine.hunter import screen_text
from engine.pipeline.capture import capture_lead
from engine.pipeline.schemas import LeadInput
from engine.pipeline.stages import Stage
from engine.ports import NewLead, Notifier
from storage.db import insert_ignore
from storage.models import Client, InboundEvent, Interaction, Lead
from storage.types import utcnow

# A lead still being won: a new message from its client belongs to it rather than to a new lead.
OPEN_BEFORE_CONTRACT = (Stage.LEAD.value, Stage.QUALIFIED.value, Stage.PROPOSAL.value, Stage.NEGOTIATION.value)


class IntakeResult(BaseModel):
    """What one inbound submission became."""

    lead_id: int
    client_id: int
    created_lead: bool
    created_client: bool = False
    interaction_id: int | None = None
    duplicate: bool = False


async def claim_inbound(ctx: OperationContext, source: str, external_id: str, kind: str,
                        payload: dict[str, Any] | None = None) -> InboundEvent | None:
    """Store the event under its external id; None when it was already stored (a retry or replay).

    In the caller's transaction: on PostgreSQL a concurrent twin waits for this one to commit,
    then finds the row, so the same message never becomes two leads.
    """
    new_id = await insert_ignore(ctx.session, InboundEvent, {
        "source": source, "external_id": external_id[:200], "kind": kind, "payload": payload or {},
        "received_at": utcnow()}, ["source", "external_id"])
    if new_id is None:
        return None
    return await ctx.session.get(InboundEvent, new_id)


async def previous_result(ctx: OperationContext, source: str, external_id: str) -> IntakeResult | None:
    row = (await ctx.session.execute(select(InboundEvent).where(
        InboundEvent.source == source, InboundEvent.external_id == external_id[:200]))).scalar_one_or_none()
    if row is None or "lead_id" not in (row.payload or {}):
        return None
    p = row.payload
    return IntakeResult(lead_id=p["lead_id"], client_id=p["client_id"], created_lead=False,
                        interaction_id=p.get("interaction_id"), duplicate=True)


def mark_handled(event: InboundEvent | None, result: IntakeResult) -> None:
    if event is None:
        return
    event.payload = {**(event.payload or {}), "lead_id": result.lead_id, "client_id": result.client_id,
                     "interaction_id": result.interaction_id}
    event.handled_at = utcnow()


async def intake_lead(ctx: OperationContext, data: LeadInput, *, external_id: str | None = None,
                      kind: str = "lead") -> IntakeResult:
    """Capture a lead from an outside source once per external id, and announce it in Slack."""
    source = data.source.value
    event = None
    if external_id:
        event = await claim_inbound(ctx, source, external_id, kind)
        if event is None:
            before = await previous_result(ctx, source, external_id)
            if before is not None:
                return before
    captured = await capture_lead(ctx, data)
    result = IntakeResult(lead_id=captured.lead_id, client_id=captured.client_id, created_lead=True,
                          created_client=captured.created_client)
    mark_handled(event, result)
    announce_lead(ctx, result.lead_id, data)
    return result


async def open_lead_for(ctx: OperationContext, email: str) -> Lead | None:
    """The newest lead of the client with this address that is still before CONTRACT and not LOST."""
    stmt = (select(Lead).join(Client, Lead.client_id == Client.id)
            .where(Client.email_normalized == email.strip().lower(), Lead.stage.in_(OPEN_BEFORE_CONTRACT))
            .order_by(Lead.id.desc()).limit(1))
    return (await ctx.session.execute(stmt)).scalar_one_or_none()


async def record_interaction(ctx: OperationContext, lead: Lead, *, kind: str, channel: str, summary: str,
                             metadata: dict[str, Any] | None = None) -> Interaction:
    """Add a message from the client to its open lead; audited; `lead.interaction_recorded`.

    Screened by Hunter like a capture (this path does not go through `capture_lead`): a block
    alerts and refuses (`InputBlocked`), secrets and card numbers are masked before storage,
    flags are kept in the interaction's metadata (`{"hunter": {...}}`)."""
    summary, hunted = await screen_text(ctx, "email" if kind == "email" else "form", summary,
                                        action="capture_lead", what=f"a {kind} from the client of lead #{lead.id}")
    metadata = {**(metadata or {}), **hunted}
    now = utcnow()
    interaction = Interaction(client_id=lead.client_id, lead_id=lead.id, kind=kind, channel=channel,
                              summary=summary, actor=ctx.actor.label, occurred_at=now, metadata_=metadata or {})
    ctx.session.add(interaction)
    lead.last_contact_at = now
    await ctx.session.flush()
    ctx.audit("lead.interaction_recorded", f"lead:{lead.id}", interaction_id=interaction.id, kind=kind,
              channel=channel)
    ctx.emit("lead.interaction_recorded", lead_id=lead.id, client_id=lead.client_id,
             interaction_id=interaction.id, kind=kind, channel=channel)
    return interaction


class NotifierLeadAnnouncer:
    """Without Slack: one plain line through the notifier (the log), with no client-written text."""

    def __init__(self, notifier: Notifier, channel: str | None) -> None:
        self.notifier = notifier
        self.channel = channel

    async def announce(self, lead: NewLead, key: str) -> None:
        await self.notifier.post(self.channel, f"New {lead.source} lead #{lead.lead_id}", key=key)


def announce_lead(ctx: OperationContext, lead_id: int, data: LeadInput) -> None:
    """Tell the team (the leads channel) after commit, once per lead (keyed)."""
    lead = NewLead(lead_id=lead_id, source=data.source.value, name=data.name, email=data.email, company=data.company,
                   budget=data.budget, currency=data.currency or ctx.settings.currency, budget_range=data.budget_range,
                   country=data.country, referrer=data.referrer, requirements=data.requirements)
    services = ctx.services
    announcer = services.lead_announcer or NotifierLeadAnnouncer(services.notifier, ctx.settings.leads_channel or None)

    async def announce() -> None:
        await announcer.announce(lead, key=f"lead:{lead_id}:announced")

    ctx.after_commit(announce)
