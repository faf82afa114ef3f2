"""Logging a call, meeting, note or e-mail with a client, with the sentiment of what was said."""

from __future__ import annotations

from sqlalchemy import select

from engine.context import OperationContext
from engine.crm.schemas import InteractionInput, InteractionView
from engine.errors import ClientNotFound, InvalidInput, ProjectNotFound
from engine.hunter import screen_text
from engine.pipeline.leads import load_lead
from engine.sentiment import sentiment_label, sentiment_of
from engine.trail import person_trail
from storage.models import Client, Interaction, Lead, Project
from storage.types import utcnow


async def log_interaction(ctx: OperationContext, data: InteractionInput) -> InteractionView:
    """Record what happened with a client (by client, lead or project), screened by Hunter, with
    VADER's sentiment of the summary; the lead's last contact moves; audited `interaction.logged`."""
    ctx.check_policy("log_interaction")
    client_id, lead = await _subject(ctx, data)
    now = utcnow()
    occurred = data.occurred_at or now
    if occurred > now:
        raise InvalidInput("occurred_at is in the future: log what has happened.", field="occurred_at")
    summary, hunted = await screen_text(ctx, "email" if data.kind == "email" else "text", data.summary,
                                        action="log_interaction", what=f"a {data.kind.value} logged for client "
                                        f"#{client_id}")
    row = Interaction(client_id=client_id, lead_id=lead.id if lead else None, project_id=data.project_id,
                      kind=data.kind.value, channel=data.channel or None, summary=summary, actor=ctx.actor.label,
                      occurred_at=occurred, metadata_=hunted, sentiment=sentiment_of(summary),
                      **person_trail(ctx.actor))
    ctx.session.add(row)
    if lead is not None and (lead.last_contact_at is None or lead.last_contact_at < occurred):
        lead.last_contact_at = occurred
    await ctx.session.flush()
    ctx.audit("interaction.logged", f"client:{client_id}", interaction_id=row.id, kind=row.kind,
              lead_id=row.lead_id, project_id=row.project_id, sentiment=row.sentiment)
    ctx.emit("interaction.logged", client_id=client_id, lead_id=row.lead_id, interaction_id=row.id, kind=row.kind)
    return interaction_view(row)


async def _subject(ctx: OperationContext, data: InteractionInput) -> tuple[int, Lead | None]:
    """The client the interaction belongs to; the lead and project given must be that client's."""
    lead = await load_lead(ctx.session, data.lead_id, for_update=True) if data.lead_id else None
    project = await ctx.session.get(Project, data.project_id) if data.project_id else None
    if data.project_id and project is None:
        raise ProjectNotFound(data.project_id)
    owners = {x for x in (data.client_id, lead.client_id if lead else None,
                          project.client_id if project else None) if x is not None}
    if not owners:
        raise InvalidInput("Say whose interaction it is: client_id, lead_id or project_id.", field="client_id")
    if len(owners) > 1:
        raise InvalidInput("The lead, project and client given belong to different clients.", field="client_id")
    client_id = owners.pop()
    if data.client_id and lead is None and project is None:
        exists = (await ctx.session.execute(select(Client.id).where(Client.id == client_id))).scalar_one_or_none()
        if exists is None:
            raise ClientNotFound(client_id)
    return client_id, lead


def interaction_view(row: Interaction) -> InteractionView:
    return InteractionView(
        id=row.id, client_id=row.client_id, lead_id=row.lead_id, project_id=row.project_id, kind=row.kind,
        channel=row.channel, summary=row.summary, actor=row.actor, occurred_at=row.occurred_at,
        sentiment=row.sentiment, sentiment_label=sentiment_label(row.sentiment), automated=row.automated,
        grace_generated=row.grace_generated, human_approved=row.human_approved, approved_by=row.approved_by)
