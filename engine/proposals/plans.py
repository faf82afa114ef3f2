"""Project plans: the project record of a proposal and its milestones.

A milestone per phase of the work (discovery, each service line, QA and hand-over),
due when the phase's cumulative hours are done at the weekly capacity plus buffer, with
the share of the price its work is worth. Shares sum to exactly 1 and amounts exactly
to the price: all but the last are rounded down, the last takes the remainder.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any

from sqlalchemy import delete, select

from engine.context import OperationContext
from engine.errors import ProjectNotFound
from engine.money import CENT
from engine.proposals.errors import ProposalNotFound
from engine.proposals.pricing import weeks_for
from engine.proposals.schemas import MilestoneOut, ProjectMilestoneView, ProjectPlanOut, ProjectView
from engine.statuses import ProjectStatus
from storage.models import Milestone, Project, Proposal
from storage.types import utcnow

SHARE_STEP = Decimal("0.000001")


@dataclass(frozen=True)
class Phase:
    name: str
    amount: Decimal
    hours: Decimal


@dataclass(frozen=True)
class PlannedMilestone:
    seq: int
    name: str
    due_at: datetime
    share: Decimal
    amount: Decimal


def phases_of(lines: list[dict[str, Any]]) -> list[Phase]:
    """Group priced lines by phase, in the order phases first appear."""
    order: dict[str, tuple[Decimal, Decimal]] = {}
    for line in lines:
        amount, hours = order.get(line["phase"], (Decimal("0"), Decimal("0")))
        order[line["phase"]] = (amount + Decimal(str(line["amount"])), hours + Decimal(str(line["hours"])))
    return [Phase(name, a, h) for name, (a, h) in order.items()]


def plan_milestones(phases: list[Phase], price: Decimal, *, capacity: Decimal, buffer: Decimal,
                    start: datetime) -> list[PlannedMilestone]:
    if not phases:
        return []
    total = sum((p.amount for p in phases), Decimal("0"))
    n = len(phases)
    shares: list[Decimal] = []
    for p in phases[:-1]:
        raw = p.amount / total if total > 0 else Decimal(1) / n
        shares.append(raw.quantize(SHARE_STEP, rounding=ROUND_DOWN))
    shares.append(Decimal(1) - sum(shares, Decimal("0")))
    # Amounts from the exact ratio (not the rounded share), so a phase worth 2,160.00 is billed 2,160.00.
    amounts = [(price * p.amount / total if total > 0 else price / n).quantize(CENT, rounding=ROUND_DOWN)
               for p in phases[:-1]]
    amounts.append(price - sum(amounts, Decimal("0")))
    out: list[PlannedMilestone] = []
    hours = Decimal("0")
    for i, p in enumerate(phases):
        hours += p.hours
        weeks = weeks_for(hours, capacity, buffer)
        out.append(PlannedMilestone(seq=i + 1, name=p.name, due_at=start + timedelta(weeks=weeks),
                                    share=shares[i], amount=amounts[i]))
    return out


async def create_project_plan(ctx: OperationContext, proposal: Proposal | int) -> ProjectPlanOut:
    """The project of a proposal (reused while it is still only proposed) and its milestones."""
    ctx.check_policy("create_project_plan")
    s = ctx.session
    if isinstance(proposal, int):
        found = await s.get(Proposal, proposal)
        if found is None:
            raise ProposalNotFound(proposal)
        proposal = found
    project = await s.get(Project, proposal.project_id) if proposal.project_id else None
    if project is None:
        project = await _reusable_project(ctx, proposal)
    content = proposal.content
    fields = dict(
        title=proposal.title, description=proposal.summary,
        scope="\n".join(f"- {line['name']}" for line in content["lines"]),
        deliverables={"items": content["lines"], "removed": content["removed"]},
        timeline={"weeks": proposal.weeks, "total_hours": str(proposal.total_hours),
                  "weekly_capacity_hours": str(ctx.settings.weekly_capacity_hours),
                  "buffer": str(ctx.settings.timeline_buffer)},
        budget=proposal.budget, price=proposal.price, currency=proposal.currency, status=ProjectStatus.PROPOSED,
        proposal_generated=True, grace_architect_used=True,
    )
    created = project is None
    if project is None:
        project = Project(client_id=proposal.client_id, lead_id=proposal.lead_id, metadata_={}, **fields)
        s.add(project)
        await s.flush()
    else:
        for k, v in fields.items():
            setattr(project, k, v)
        await s.execute(delete(Milestone).where(Milestone.project_id == project.id))
    project.metadata_ = {**(project.metadata_ or {}), "proposal_id": proposal.id,
                         "proposal_version": proposal.version}
    proposal.project_id = project.id
    start = proposal.created_at or utcnow()
    planned = plan_milestones(phases_of(content["lines"]), proposal.price, capacity=ctx.settings.weekly_capacity_hours,
                              buffer=ctx.settings.timeline_buffer, start=start)
    project.timeline = {**project.timeline, "start": start.date().isoformat(),
                        "end": planned[-1].due_at.date().isoformat() if planned else start.date().isoformat()}
    # Planned dates until the build starts and the delivery ends them for real.
    project.start_date = project.started_at.date() if project.started_at else start.date()
    project.end_date = project.completed_at.date() if project.completed_at else \
        (planned[-1].due_at.date() if planned else start.date())
    for m in planned:
        s.add(Milestone(project_id=project.id, seq=m.seq, name=m.name, due_at=m.due_at, share=m.share,
                        amount=m.amount, metadata_={}))
    await s.flush()
    ctx.audit("project.planned", f"project:{project.id}", proposal_id=proposal.id, created=created,
              price=str(proposal.price), milestones=len(planned), weeks=proposal.weeks)
    ctx.emit("project.planned", project_id=project.id, proposal_id=proposal.id, lead_id=proposal.lead_id)
    return ProjectPlanOut(project_id=project.id, milestones=[
        MilestoneOut(name=m.name, due=m.due_at.date(), share=m.share, amount=m.amount) for m in planned])


async def _reusable_project(ctx: OperationContext, proposal: Proposal) -> Project | None:
    """The project of the lead's previous proposal while it is only proposed (not yet accepted):
    an accepted plan is never rewritten, a new version after acceptance gets its own project."""
    stmt = (select(Project).join(Proposal, Proposal.project_id == Project.id)
            .where(Proposal.lead_id == proposal.lead_id, Proposal.id != proposal.id, Project.status == ProjectStatus.PROPOSED,
                   Project.proposal_approved.is_(False))
            .order_by(Proposal.version.desc()).limit(1))
    return (await ctx.session.execute(stmt)).scalars().first()


async def get_project(ctx: OperationContext, project_id: int) -> ProjectView:
    ctx.check_policy("view_projects")
    project = await ctx.session.get(Project, project_id)
    if project is None:
        raise ProjectNotFound(project_id)
    milestones = (await ctx.session.execute(
        select(Milestone).where(Milestone.project_id == project_id).order_by(Milestone.seq))).scalars().all()
    return ProjectView(
        id=project.id, status=project.status, progress=project.progress, title=project.title, price=project.price,
        currency=project.currency, contract_signed=project.contract_signed, actual_cost=project.actual_cost,
        start_date=project.start_date, end_date=project.end_date,
        milestones=[ProjectMilestoneView(id=m.id, seq=m.seq, name=m.name, due=m.due_at.date() if m.due_at else None,
                                         share=m.share, amount=m.amount, status=m.status) for m in milestones],
        deliverables=project_deliverables(project),
    )


def project_deliverables(project: Project) -> list[dict[str, Any]]:
    """The deliverables of a project's current plan (older or hand-made projects may hold a plain list)."""
    raw = project.deliverables or {}
    items = raw.get("items", []) if isinstance(raw, dict) else raw
    return [d if isinstance(d, dict) else {"name": str(d)} for d in items]
