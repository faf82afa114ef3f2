"""`deliver_project`: Parliament's approval when the price is over the threshold, then the build.

The build itself runs as a job (`run_build`, job id `build:{project_id}`), enqueued
after the commit that puts the project `in_progress`.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from engine.context import OperationContext, Services
from engine.delivery.notices import project_notice
from engine.delivery.schemas import DeliverInput, DeliveryResult
from engine.delivery.writer import deliverable_items, describe_timeline
from engine.errors import ProjectNotDeliverable
from engine.fx import rates_for
from engine.parliament.schemas import SUBJECT_PROJECT_DELIVERY, OpenVoteInput
from engine.parliament.votes import open_vote
from engine.pipeline.leads import load_lead
from engine.pipeline.moves import set_stage
from engine.pipeline.overrides import require_accepted_proposal
from engine.pipeline.stages import ALLOWED_MOVES, Stage
from engine.projects import load_project
from engine.statuses import ProjectStatus
from storage.models import Client, Milestone, Project, VoteSession
from storage.types import utcnow

log = logging.getLogger(__name__)
BUILD_JOB = "run_build"


def build_job_id(project_id: int) -> str:
    return f"build:{project_id}"


async def lock_project(session: AsyncSession, project_id: int) -> Project:
    return await load_project(session, project_id, lock=True)


def project_amount(project: Project) -> Decimal:
    return project.price if project.price is not None else (project.budget or Decimal("0"))


async def deliver_project(ctx: OperationContext, data: DeliverInput | int) -> DeliveryResult:
    """Start delivering a project. Over GRACE_PARLIAMENT_THRESHOLD it first needs an approved
    vote: one is opened and the answer is `awaiting_approval`; delivery continues by itself
    when the vote is approved. Asking again while a build runs re-enqueues it (it resumes).

    The project needs a proposal its client accepted (or an admin's `override_reason`, audited,
    which records the lead at CONTRACT); amount, lead stage and vote state go to the policy."""
    ctx.check_policy("deliver_project")
    data = data if isinstance(data, DeliverInput) else DeliverInput(project_id=data)
    project_id = data.project_id
    project = await lock_project(ctx.session, project_id)
    if project.status == ProjectStatus.DELIVERED:
        raise ProjectNotDeliverable(f"Project #{project_id} is already delivered.", project_id=project_id)
    if project.status == ProjectStatus.IN_PROGRESS:
        _enqueue_build(ctx, project_id)
        return DeliveryResult(project_id=project_id, status="in_progress", job_id=build_job_id(project_id),
                              note="The build was already running; it was asked to resume.")
    await _check_milestones(ctx.session, project_id)
    require_accepted_proposal(ctx, "deliver_project", project, data.override_reason)
    stage = await _contract_stage(ctx, project, data.override_reason)
    amount = project_amount(project)
    threshold = ctx.settings.parliament_threshold
    approved = await _approved(ctx.session, project_id)
    # The threshold is in the agency's currency: a price in another converts at the set rate, and
    # with no rate nobody can tell, so a vote decides rather than a guess.
    converted = (await rates_for(ctx)).to_base(amount, project.currency)
    decision = ctx.check_conditions("deliver_project", {
        "amount": converted, "stage": stage, "vote_approved": True if approved else None},
        parliament_threshold=threshold)
    no_rate = converted is None
    if decision.requires_vote or (no_rate and not approved):
        vote = await open_vote(ctx, OpenVoteInput(
            subject_type=SUBJECT_PROJECT_DELIVERY, subject_id=project_id,
            title=f"Deliver project #{project_id}: {project.title}"[:300],
            summary=await project_summary(ctx, project)))
        if project.status != ProjectStatus.AWAITING_APPROVAL:
            project.status = ProjectStatus.AWAITING_APPROVAL
            ctx.audit("project.approval_requested", f"project:{project_id}", vote_id=vote.id, amount=amount,
                      currency=project.currency, threshold=threshold, no_exchange_rate=no_rate)
            ctx.emit("project.approval_requested", project_id=project_id, vote_id=vote.id)
        await ctx.session.flush()
        why = decision.reason if not no_rate else (
            f"No exchange rate from {project.currency} to the agency's currency is set: a Parliament vote decides.")
        return DeliveryResult(project_id=project_id, status="awaiting_approval", vote_id=vote.id, note=why)
    started = await start_build(ctx, project, "delivery started after Parliament's approval" if approved
                                else "delivery started")
    return DeliveryResult(project_id=project_id, status="in_progress", job_id=build_job_id(project_id),
                          note=started)


async def _contract_stage(ctx: OperationContext, project: Project, override: str | None) -> str | None:
    """The lead's stage for the policy; an admin's override (already recorded) puts a lead that
    never reached CONTRACT there, so reports show the override instead of a client's signature."""
    if project.lead_id is None:
        return None
    lead = await load_lead(ctx.session, project.lead_id, for_update=True)
    if (not project.proposal_approved and override and lead.stage != Stage.CONTRACT.value
            and Stage.CONTRACT in ALLOWED_MOVES[Stage(lead.stage)]):
        await set_stage(ctx, lead, Stage.CONTRACT, f"admin override: {override.strip()}"[:2000])
    return lead.stage


async def continue_after_vote(ctx: OperationContext, vote: VoteSession) -> None:
    """Called in the deciding vote's transaction (`Services.vote_decided`): an approval of a
    project's delivery starts the build, a no stops here; votes on other subjects pass by."""
    if vote.subject_type != SUBJECT_PROJECT_DELIVERY:
        return
    project = await lock_project(ctx.session, vote.subject_id)
    if project.slack_thread_ts is None and vote.slack_ts:
        project.slack_channel, project.slack_thread_ts = vote.slack_channel, vote.slack_ts
    if project.status != ProjectStatus.AWAITING_APPROVAL:
        return
    if vote.status == "approved":
        await start_build(ctx, project, f"approved by vote #{vote.id}")
        return
    project.status = ProjectStatus.REJECTED
    ctx.audit("project.approval_refused", f"project:{project.id}", vote_id=vote.id, decision=vote.status,
              reason=vote.decision_reason)
    ctx.emit("project.approval_refused", project_id=project.id, vote_id=vote.id, decision=vote.status)
    await ctx.session.flush()


async def start_build(ctx: OperationContext, project: Project, reason: str) -> str | None:
    """Project in progress, lead to ACTIVE, build enqueued after commit. Returns a note, if any."""
    await _check_milestones(ctx.session, project.id)
    now = utcnow()
    run = int((project.metadata_ or {}).get("build_run", 0)) + 1
    project.status = ProjectStatus.IN_PROGRESS
    project.started_at = project.started_at or now
    project.start_date = project.started_at.date()
    project.failure_reason = None
    project.grace_architect_used = True
    project.automated_delivery = True
    project.metadata_ = {**(project.metadata_ or {}), "build_run": run}
    note = await _lead_to_active(ctx, project, reason)
    await ctx.session.flush()
    ctx.audit("project.delivery_started", f"project:{project.id}", reason=reason, run=run,
              job_id=build_job_id(project.id), note=note)
    ctx.emit("project.delivery_started", project_id=project.id, run=run)
    _enqueue_build(ctx, project.id)
    project_id, services = project.id, ctx.services
    ctx.after_commit(lambda: _open_project_thread(services, project_id, run))
    return note


async def _lead_to_active(ctx: OperationContext, project: Project, reason: str) -> str | None:
    if project.lead_id is None:
        return None
    lead = await load_lead(ctx.session, project.lead_id, for_update=True)
    stage = Stage(lead.stage)
    if stage == Stage.ACTIVE:
        return None
    if Stage.ACTIVE in ALLOWED_MOVES[stage]:
        await set_stage(ctx, lead, Stage.ACTIVE, f"project #{project.id}: {reason}")
        return None
    return f"Lead #{lead.id} stays at {stage.value}: it cannot move to ACTIVE from there (it should be at CONTRACT)."


def _enqueue_build(ctx: OperationContext, project_id: int) -> None:
    queue = ctx.services.queue
    if queue is None:
        log.warning("no job queue configured: the build of project #%s was not enqueued", project_id)
        return
    ctx.after_commit(lambda: queue.enqueue(BUILD_JOB, project_id, job_id=build_job_id(project_id)))


async def _check_milestones(session: AsyncSession, project_id: int) -> None:
    count = len((await session.execute(select(Milestone.id).where(Milestone.project_id == project_id))).all())
    if count == 0:
        raise ProjectNotDeliverable(
            f"Project #{project_id} has no milestones: create its project plan before delivering it.",
            project_id=project_id)


async def _approved(session: AsyncSession, project_id: int) -> bool:
    row = (await session.execute(select(VoteSession.id).where(
        VoteSession.subject_type == SUBJECT_PROJECT_DELIVERY, VoteSession.subject_id == project_id,
        VoteSession.status == "approved").limit(1))).first()
    return row is not None


async def project_summary(ctx: OperationContext, project: Project) -> dict[str, object]:
    """What approvers see: client, budget, deliverables, timeline and the proposal link."""
    client = await ctx.session.get(Client, project.client_id)
    milestones = (await ctx.session.execute(select(Milestone).where(Milestone.project_id == project.id)
                                            .order_by(Milestone.seq))).scalars().all()
    proposal_url = (project.metadata_ or {}).get("proposal_url") or \
        f"{ctx.settings.public_url.rstrip('/')}/api/business/projects/{project.id}"
    return {
        "project_id": project.id, "title": project.title,
        "client": client.name if client else None, "company": client.company if client else None,
        "price": str(project_amount(project)), "currency": project.currency,
        "deliverables": deliverable_items(project.deliverables)[:10],
        "timeline": describe_timeline(project.timeline),
        "milestones": [{"seq": m.seq, "name": m.name, "due_at": m.due_at.date().isoformat() if m.due_at else None}
                       for m in milestones],
        "proposal_url": proposal_url,
    }


async def _open_project_thread(services: Services, project_id: int, run: int) -> None:
    """Tell the team the build started, in the project's thread (opening one if it has none)."""
    await project_notice(services, project_id, f"Build of project #{project_id} started (run {run}).",
                         key=f"project:{project_id}:run:{run}:started", open_thread=True)
