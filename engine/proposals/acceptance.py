"""The client's side of a proposal: reading it through a signed link and accepting it once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from engine.context import OperationContext
from engine.hunter.detectors.markup import escape_mrkdwn
from engine.pipeline.leads import load_lead
from engine.pipeline.moves import set_stage
from engine.pipeline.stages import ALLOWED_MOVES, Stage
from engine.proposals.errors import (
    ProposalAlreadyAccepted,
    ProposalLinkInvalid,
    ProposalNotOpen,
    ProposalSuperseded,
)
from engine.proposals.links import read_proposal_token
from engine.proposals.schemas import AcceptResult, MilestoneOut, ProposalDocument
from storage.models import Client, Milestone, Project, Proposal
from storage.types import utcnow


async def _proposal_from_token(ctx: OperationContext, token: str) -> Proposal:
    proposal_id = read_proposal_token(ctx.settings, token)
    proposal = await ctx.session.get(Proposal, proposal_id)
    if proposal is None:
        # A valid signature for a row that is gone: nothing to show, same page as a bad link.
        raise ProposalLinkInvalid()
    return proposal


async def view_proposal(ctx: OperationContext, token: str) -> ProposalDocument:
    ctx.check_policy("view_proposal")
    p = await _proposal_from_token(ctx, token)
    client = await ctx.session.get(Client, p.client_id)
    assert client is not None
    latest = (await ctx.session.execute(
        select(Proposal.id).where(Proposal.lead_id == p.lead_id).order_by(Proposal.version.desc()).limit(1)
    )).scalar_one() == p.id
    milestones: list[Any] = []
    if p.project_id:
        milestones = list((await ctx.session.execute(
            select(Milestone).where(Milestone.project_id == p.project_id).order_by(Milestone.seq))).scalars())
    c = p.content
    ctx.emit("proposal.viewed", proposal_id=p.id, lead_id=p.lead_id, version=p.version)
    return ProposalDocument(
        id=p.id, version=p.version, status=p.status, latest=latest, title=p.title, summary=p.summary,
        client_name=client.name, company=client.company, currency=p.currency, deliverables=c["lines"],
        removed=c["removed"], total_hours=p.total_hours, subtotal=p.subtotal, discount=p.discount, price=p.price,
        budget=p.budget, fits_budget=p.fits_budget, budget_note=p.budget_note, weeks=p.weeks,
        # Milestones of the project belong to the newest version; older versions show none.
        milestones=[MilestoneOut(name=m.name, due=m.due_at.date() if m.due_at else None, share=m.share,
                                 amount=m.amount) for m in milestones] if latest else [],
        assumptions=c["assumptions"], risks=c["risks"], out_of_scope=c["out_of_scope"],
        created_at=p.created_at, expires_at=p.created_at + timedelta(days=ctx.settings.proposal_link_days),
        accepted_at=p.accepted_at, accepted_by=p.accepted_by,
    )


def _stage_words(stage: str) -> str:
    return f"now in {stage}" if stage == Stage.CONTRACT.value else f"still in {stage}"


async def accept_proposal(ctx: OperationContext, token: str, accepted_by: str | None = None) -> AcceptResult:
    """Record the client's acceptance once: proposal accepted, project approved, lead to CONTRACT,
    the team told in Slack after commit."""
    ctx.check_policy("accept_proposal")
    p = await _proposal_from_token(ctx, token)
    lead = await load_lead(ctx.session, p.lead_id, for_update=True)
    await ctx.session.refresh(p)
    if p.accepted_at is not None:
        raise ProposalAlreadyAccepted(p.id, p.accepted_at.strftime("%d %B %Y"))
    if p.status != "sent":
        raise ProposalSuperseded(p.id, p.version)
    if lead.stage == Stage.LOST.value:
        raise ProposalNotOpen("This proposal is no longer open. Please contact us if you would like to go ahead.")
    now = utcnow()
    name = (accepted_by or "").strip()[:200] or ctx.actor.label
    # Guarded update: of two simultaneous accepts exactly one changes the row.
    done = await ctx.session.execute(
        update(Proposal).where(Proposal.id == p.id, Proposal.accepted_at.is_(None), Proposal.status == "sent")
        .values(status="accepted", accepted_at=now, accepted_by=name).execution_options(synchronize_session=False))
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise ProposalAlreadyAccepted(p.id, now.strftime("%d %B %Y"))
    project = await ctx.session.get(Project, p.project_id) if p.project_id else None
    if project is not None:
        project.proposal_approved = True
        project.contract_signed = True
    if lead.stage != Stage.CONTRACT.value and Stage.CONTRACT in ALLOWED_MOVES[Stage(lead.stage)]:
        await set_stage(ctx, lead, Stage.CONTRACT, f"proposal v{p.version} accepted by {name}")
    await ctx.session.flush()
    ctx.audit("proposal.approved", f"proposal:{p.id}", lead_id=lead.id, project_id=p.project_id,
              version=p.version, accepted_by=name, price=str(p.price))
    ctx.emit("proposal.approved", proposal_id=p.id, lead_id=lead.id, project_id=p.project_id, price=str(p.price))
    client = await ctx.session.get(Client, p.client_id)
    who = escape_mrkdwn(client.company or client.name) if client else f"lead #{lead.id}"
    # The stage the lead is in now: CONTRACT, or where it already was (a lead further on stays there).
    text = (f":tada: {who} accepted proposal v{p.version} \"{escape_mrkdwn(p.title)}\" "
            f"({p.currency} {p.price:,.2f}, {p.weeks} weeks) — signed by {escape_mrkdwn(name)}. "
            f"Lead #{lead.id} is {_stage_words(lead.stage)}.")
    services, channel, key = ctx.services, ctx.settings.leads_channel or None, f"proposal-accepted:{p.id}"

    async def tell_team() -> None:
        await services.notifier.post(channel, text, key=key)

    ctx.after_commit(tell_team)
    return AcceptResult(proposal_id=p.id, project_id=p.project_id, lead_id=lead.id, lead_stage=lead.stage,
                        accepted_at=now)
